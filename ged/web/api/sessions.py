"""/api/v1/sessions: the browser sessions open, to see and end (one's own; an admin's: anyone's)."""

from __future__ import annotations

from apiflask import APIBlueprint

from ged.services import sessions
from ged.web.api.contract import errors
from ged.web.api.schemas.session import SessionInfo, SessionList, SessionsQuery
from ged.web.context import principal, uow

bp = APIBlueprint("sessions", __name__, url_prefix="/api/v1/sessions", tag="Session")


@bp.get("")
@bp.input(SessionsQuery, location="query")
@bp.output(SessionList, description="the live sessions, newest first")
@bp.doc(
    summary="Browser sessions open: yours, or an account's (admin)",
    responses=errors(400, 403, 404),
)
def list_sessions(query_data: SessionsQuery):
    caller = principal()
    found = sessions.list_sessions(uow(), caller, query_data.user)
    return SessionList(sessions=[SessionInfo.of(row, caller.session_id) for row in found])


@bp.delete("/<int:session_id>")
@bp.output({}, status_code=204, description="ended (or it had ended already)")
@bp.doc(
    summary="End a session: one of yours, or anyone's (admin)",
    description="Its browser is logged out at its next request.",
    responses=errors(403, 404, bad_request="with the cookie: the X-CSRFToken header is missing"),
)
def end_session(session_id: int):
    sessions.end_session(uow(), principal(), session_id)
    return ""
