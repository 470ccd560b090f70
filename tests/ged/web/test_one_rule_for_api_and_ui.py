"""The API and the UI are two doors to the same services: an action through either one
obeys the same line of ged.access.RULES and leaves the same audit event.

Were a view to check the role itself, or record its own event, the two doors would
differ here: the refusal would not name the rule, or the trail would hold another event.
"""

from __future__ import annotations

from sqlalchemy import select

from ged.db import make_engine, make_session_factory
from ged.models.audit import AuditEvent
from tests.apiclient import Api
from tests.ui.pages import browser, csrf_token

#: what an event says apart from where the request came from (token, address, client)
COMPARED = ("actor", "action", "object_type", "outcome", "details")


def events_after(api: Api, last_id: int) -> list[AuditEvent]:
    engine = make_engine(api.settings.database)
    with make_session_factory(engine)() as session:
        query = select(AuditEvent).where(AuditEvent.id > last_id).order_by(AuditEvent.id)
        events = [event for event in session.scalars(query) if event.action != "token.use"]
    engine.dispose()
    return events


def last_id(api: Api) -> int:
    events = events_after(api, 0)
    return events[-1].id if events else 0


def compared(event: AuditEvent) -> dict:
    return {field: getattr(event, field) for field in COMPARED}


def test_creating_a_unit_is_one_rule_and_one_event_through_api_and_ui(sqlite_api: Api):
    client = browser(sqlite_api, "admin")
    start = last_id(sqlite_api)
    answer = sqlite_api.post("/api/v1/admin/units", "admin", json={"name": "Voirie"})
    assert answer.status_code == 201
    (by_api,) = events_after(sqlite_api, start)

    start = by_api.id
    form = {"name": "Voirie", "csrf_token": csrf_token(client, "/admin/services")}
    assert client.post("/admin/services", data=form).status_code == 400  # it exists now
    assert events_after(sqlite_api, start) == []  # refused as invalid: nothing recorded
    form["name"] = "Espaces verts"
    assert client.post("/admin/services", data=form).status_code == 302
    (by_ui,) = events_after(sqlite_api, start)

    assert (by_api.object_id, by_ui.object_id) == ("Voirie", "Espaces verts")
    assert compared(by_api) == compared(by_ui)
    assert compared(by_ui) == {
        "actor": "admin",
        "action": "unit.create",
        "object_type": "unit",
        "outcome": "allowed",
        "details": {},
    }


def test_refusing_the_users_list_is_one_rule_and_one_event_through_api_and_ui(
    sqlite_api: Api,
):
    client = browser(sqlite_api, "agent")
    start = last_id(sqlite_api)
    assert sqlite_api.get("/api/v1/admin/users", "agent").status_code == 403
    (by_api,) = events_after(sqlite_api, start)

    start = by_api.id
    assert client.get("/admin/utilisateurs").status_code == 403
    (by_ui,) = events_after(sqlite_api, start)

    for event in (by_api, by_ui):
        assert (event.action, event.actor, event.outcome) == ("access.denied", "agent", "denied")
        assert event.details["rule"] == "user.list"
    assert (by_api.details["endpoint"], by_ui.details["endpoint"]) == (
        "admin.list_users",
        "ui.admin.users_page",
    )
    # Everything but the endpoint is the same: status, the rule, and the reason it gives.
    without_endpoint = [
        {key: value for key, value in event.details.items() if key != "endpoint"}
        for event in (by_api, by_ui)
    ]
    assert without_endpoint[0] == without_endpoint[1]
    assert without_endpoint[0]["status"] == 403
