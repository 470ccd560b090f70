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
    session.clear()  # a new session for a new login: no fixation
    session["user_id"] = user.id
    session["stamp"] = session_stamp(user)
    session.permanent = False
    return user


def _origin() -> tuple[str | None, str | None]:
    return request.remote_addr, request.headers.get("User-Agent")


def _unauthorized(detail: str) -> HTTPError:
    return HTTPError(401, detail, headers={"WWW-Authenticate": 'Bearer realm="ged"'})


def init_app(app: APIFlask) -> None:
    # CSRF is checked in authenticate(), only for requests authenticated by the cookie.
    app.config.update(WTF_CSRF_CHECK_DEFAULT=False, WTF_CSRF_TIME_LIMIT=None)
    csrf.init_app(app)
    app.before_request(authenticate)
