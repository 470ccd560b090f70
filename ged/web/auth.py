"""Authentication, deny by default: every endpoint needs a caller unless marked public.

A caller is a Bearer API token (scripts, scanner stations) or the user id in
the signed session cookie (web UI).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from apiflask import APIFlask, HTTPError
from flask import current_app, g, request, session
from flask_wtf.csrf import CSRFProtect

from ged.models import User
from ged.services.logins import login, principal_for_session, session_stamp
from ged.services.sessions import open_session, session_open
from ged.services.tokens import authenticate_token
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
        g.principal = authenticate_token(uow(), token.strip(), *_origin())
        if g.principal is None:
            raise _unauthorized("this API token is unknown, revoked, or its account is disabled")
    elif "user_id" in session:
        g.principal = principal_for_session(
            uow(), session["user_id"], session.get("stamp"), *_origin()
        )
        if g.principal is not None and "key" in session and _ended(session["key"]):
            g.principal = None  # stand-in: ended by the provider's logout
        if g.principal is None:
            session.clear()
        elif request.method not in SAFE_METHODS:
            # Only cookies ride along on forged cross-site requests; tokens never do.
            csrf.protect()
    if g.principal is None and not _is_public(request.endpoint):
        raise _unauthorized(
            "authentication required: log in or send 'Authorization: Bearer <token>'"
        )


def log_in(username: str, password: str) -> User:
    """Check a password login (lockout, audit) and start a fresh cookie session for it.
    Raises LoginRefused or AccountLocked."""
    ip, user_agent = _origin()
    user = login(uow(), username, password, ip=ip, user_agent=user_agent)
    begin_session(user)
    return user


# --- STAND-IN until the server-side sessions (helper S) land: same signature -------------
def begin_session(
    user: User,
    *,
    method: str = "password",
    provider_sid: str | None = None,
    id_token: str | None = None,
) -> None:
    """Start a fresh cookie session for ``user``, whose login was checked (no fixation)."""
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
    session["user_id"] = user.id
    session["stamp"] = session_stamp(user)
    session["key"] = key
    session.permanent = False


def session_id_token() -> str | None:
    """The ID token the current session was opened with, if by single sign-on: the
    id_token_hint of the logout at the provider."""
    row = session_open(uow(), session["key"]) if "key" in session else None
    return row.id_token if row is not None and row.method == "oidc" else None


def _ended(key: str) -> bool:
    return session_open(uow(), key) is None


# --- end of the stand-in ------------------------------------------------------------------


def _origin() -> tuple[str | None, str | None]:
    return request.remote_addr, request.headers.get("User-Agent")


def _unauthorized(detail: str) -> HTTPError:
    return HTTPError(401, detail, headers={"WWW-Authenticate": 'Bearer realm="ged"'})


def init_app(app: APIFlask) -> None:
    # CSRF is checked in authenticate(), only for requests authenticated by the cookie.
    app.config.update(WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None)
    csrf.init_app(app)
    app.before_request(authenticate)
