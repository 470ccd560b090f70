"""/api/v1/session: log in and out with a password (the web UI's cookie), change password."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import session
from flask_wtf.csrf import generate_csrf

from ged.services.logins import change_password, log_out
from ged.web.api.contract import errors
from ged.web.api.schemas.session import Credentials, PasswordChange, SessionOut
from ged.web.auth import log_in, public
from ged.web.context import principal, uow

bp = APIBlueprint("session", __name__, url_prefix="/api/v1/session", tag="Session")


@bp.post("")
@public
@bp.input(Credentials, location="json")
@bp.output(SessionOut, description="logged in: the session cookie is set")
@bp.doc(
    summary="Log in",
    description="Sets the session cookie and returns the CSRF token to send as X-CSRFToken "
    "with every state-changing request made with that cookie. An account with a second "
    "factor sends its current code too: without it, or with a wrong one, the answer is 401 "
    'with `"second_factor": "code"` (a wrong code counts as a failed login). An account '
    "whose role requires a second factor it has not set up is refused (403, "
    '`"second_factor": "enrolment"`) until it sets it up in the web UI.',
    security=[],
    responses=errors(
        400,
        415,
        unauthorized="wrong user name or password, or second-factor code missing or wrong",
        forbidden="the role requires a second factor: set it up in the web UI first",
        too_many_requests="locked out after repeated failures: wait",
    ),
)
def create(json_data: Credentials):
    user = log_in(json_data.username, json_data.password, json_data.code)
    return SessionOut(username=user.username, role=user.role, csrf_token=generate_csrf())


@bp.get("")
@bp.output(SessionOut, description="the caller")
@bp.doc(summary="Who is logged in, and the CSRF token for this session")
def read():
    caller = principal()
    return SessionOut(username=caller.username, role=caller.role, csrf_token=generate_csrf())


@bp.delete("")
@bp.output({}, status_code=204, description="logged out")
@bp.doc(summary="Log out", description="Ends the session (a token is not revoked by it).")
def delete():
    log_out(uow(), principal())
    session.clear()
    return ""


@bp.post("/password")
@bp.input(PasswordChange, location="json")
@bp.output({}, status_code=204, description="changed")
@bp.doc(
    summary="Change one's password",
    description="The account's other sessions end; the one it is changed in goes on.",
    responses=errors(400, 403, 415),
)
def password(json_data: PasswordChange):
    change_password(uow(), principal(), json_data.current_password, json_data.new_password)
    return ""
