"""/api/v1/session: log in and out with a password (the web UI's cookie), change password."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import session
from flask_wtf.csrf import generate_csrf

from ged.services.logins import change_password, log_out, session_stamp
from ged.web.api.inputs import json_object, string_field
from ged.web.auth import log_in, public
from ged.web.context import principal, uow

bp = APIBlueprint("session", __name__, url_prefix="/api/v1/session", tag="Session")


@bp.post("")
@public
@bp.doc(
    summary="Log in",
    description='JSON {"username", "password"}: sets the session cookie and returns the CSRF '
    "token to send as X-CSRFToken with every state-changing request made with that cookie.",
)
def create():
    body = json_object()
    user = log_in(string_field(body, "username"), string_field(body, "password"))
    return {"username": user.username, "role": user.role, "csrf_token": generate_csrf()}


@bp.get("")
@bp.doc(summary="Who is logged in, and the CSRF token for this session")
def read():
    caller = principal()
    return {"username": caller.username, "role": caller.role, "csrf_token": generate_csrf()}


@bp.delete("")
@bp.doc(summary="Log out")
def delete():
    log_out(uow(), principal())
    session.clear()
    return "", 204


@bp.post("/password")
@bp.doc(
    summary="Change one's password",
    description='JSON {"current_password", "new_password"}; other sessions of the account end.',
)
def password():
    body = json_object()
    current, new = string_field(body, "current_password"), string_field(body, "new_password")
    user = change_password(uow(), principal(), current, new)
    session["stamp"] = session_stamp(user)
    return "", 204
