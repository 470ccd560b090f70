"""Authentication, deny by default: every endpoint needs a caller unless marked public.

A caller is a Bearer API token (scripts, scanner stations) or a browser session: the
signed session cookie carries its random key (and the CSRF token), the database the
session itself (ged.services.sessions), so that it can be ended from anywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TypeVar

from apiflask import APIFlask, HTTPError
from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect

from ged.models import User
from ged.services import second_factor
from ged.services.second_factor import LoginByCode
from ged.services.sessions import current_session, open_session, principal_for_session_key
from ged.services.tokens import TokenExpired, authenticate_token
from ged.web.context import uow

View = TypeVar("View", bound=Callable)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
csrf = CSRFProtect()

#: the OpenAPI description, and the files of the page that browses it (ged.web.api_docs)
_OPENAPI_ENDPOINTS = {"openapi.spec", "api_docs.static", "static"}


def public(view: View) -> View:
    """Mark a view as open without authentication (health probes, login form)."""
    view.ged_public = True  # type: ignore[attr-defined]
    return view


def _is_public(endpoint: str | None) -> bool:
    if endpoint is None or endpoint in _OPENAPI_ENDPOINTS:
        return True
    view = current_app.view_functions.get(endpoint)
    return bool(getattr(view, "ged_public", False))


def authenticate() -> None:
    g.principal = None
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("the Authorization header must be 'Bearer <token>'")
        try:
            g.principal = authenticate_token(uow(), token.strip(), *_origin())
        except TokenExpired as expired:
            raise _unauthorized(str(expired)) from None
        if g.principal is None:
            raise _unauthorized("this API token is unknown, revoked, or its account is disabled")
    elif "key" in session:
        g.principal = principal_for_session_key(uow(), session["key"], *_origin())
        if g.principal is None:
            session.clear()
            # The UI's login page says so (ged.web.ui.errors).
            g.session_ended = True
        elif request.method not in SAFE_METHODS:
            # Only cookies ride along on forged cross-site requests; tokens never do.
            csrf.protect()
    if g.principal is None and not _is_public(request.endpoint):
        if g.get("session_ended"):
            raise _unauthorized(
                "your session has ended (idle too long, past its maximum length, or ended "
                "from elsewhere): log in again"
            )
        raise _unauthorized(
            "authentication required: log in or send 'Authorization: Bearer <token>'"
        )


def log_in(username: str, password: str, code: str | None = None) -> User:
    """Check a password login (lockout, audit), with its second-factor ``code`` when the
    account has one, and start a fresh cookie session for it. Raises LoginRefused,
    AccountLocked, CodeRequired, EnrolmentRequired or WrongCode."""
    ip, user_agent = _origin()
    user = second_factor.login(uow(), username, password, code, ip=ip, user_agent=user_agent)
    begin_session(user)
    return user


def session_id_token() -> str | None:
    """The ID token the current session was opened with, if by single sign-on: the
    id_token_hint of the logout at the provider."""
    caller = g.get("principal")
    row = current_session(uow(), caller) if caller is not None else None
    return row.id_token if row is not None and row.method == "oidc" else None


def log_in_with_code(user_id: int, code: str, started_at: datetime) -> LoginByCode:
    """Finish a login whose password was right at ``started_at`` with its second-factor
    code (the web UI's second step). Raises LoginExpired, LoginRefused, AccountLocked or
    WrongCode."""
    ip, user_agent = _origin()
    done = second_factor.verify_at_login(
        uow(), user_id, code, started_at=started_at, ip=ip, user_agent=user_agent
    )
    begin_session(done.user)
    return done


def log_in_enrolling(user_id: int, secret: str, code: str, started_at: datetime) -> list[str]:
    """Finish a login whose role requires a second factor the account had not set up, by
    setting it up; returns the recovery codes to show once."""
    ip, user_agent = _origin()
    user, codes = second_factor.enrol_at_login(
        uow(), user_id, secret, code, started_at=started_at, ip=ip, user_agent=user_agent
    )
    begin_session(user)
    return codes


def begin_session(
    user: User,
    *,
    method: str = "password",
    provider_sid: str | None = None,
    id_token: str | None = None,
) -> None:
    """Open a server-side session for ``user``, whose login was checked, and put its key in
    a cookie cleared first: a new session for a new login, no fixation."""
    ip, user_agent = _origin()
    key = open_session(
        uow(),
        user,
        method=method,
        ip=ip,
        user_agent=user_agent,
        provider_sid=provider_sid,
        id_token=id_token,
    )
    session.clear()
    session["key"] = key
    session.permanent = False


def _origin() -> tuple[str | None, str | None]:
    return request.remote_addr, request.headers.get("User-Agent")


def _unauthorized(detail: str) -> HTTPError:
    return HTTPError(401, detail, headers={"WWW-Authenticate": 'Bearer realm="ged"'})


def init_app(app: APIFlask) -> None:
    # CSRF is checked in authenticate(), only for requests authenticated by the cookie.
    app.config.update(WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None)
    csrf.init_app(app)
    app.before_request(authenticate)
