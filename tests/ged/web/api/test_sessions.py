"""Server-side browser sessions over the API: idle and absolute timeouts on SQLite and
PostgreSQL (the rows are aged in the database rather than waited for); on one app shared
by the module, each test with accounts of its own: a session ended from another client,
by a logout, a password change, by disabling the account or by an administrator, and
what each end leaves in the audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from ged.db import make_engine, make_session_factory
from ged.models import AuditEvent, UserSession
from tests.apiclient import PASSWORD, Api, serve, session_of
from tests.migrated import migrate


@pytest.fixture(scope="module")
def shared(live_settings) -> Iterator[Api]:
    migrate(live_settings.database.url)
    yield from serve(live_settings)


def logged_in(api: Api, username: str = "agent") -> tuple[object, str]:
    """A client of its own (its own cookie), logged in: the client and its CSRF token."""
    client = api.client.application.test_client()
    response = client.post("/api/v1/session", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.json
    return client, response.json["csrf_token"]


def own_session_id(client) -> int:
    [current] = [row for row in client.get("/api/v1/sessions").json["sessions"] if row["current"]]
    return current["id"]


def in_database(api: Api, statement=None, query=None):
    """Run ``statement`` (committed), then return the rows of ``query``."""
    engine = make_engine(api.settings.database)
    try:
        with make_session_factory(engine)() as session:
            if statement is not None:
                session.execute(statement)
                session.commit()
            return list(session.scalars(query)) if query is not None else None
    finally:
        engine.dispose()


def session_row(api: Api, session_id: int) -> UserSession:
    [row] = in_database(api, query=select(UserSession).where(UserSession.id == session_id))
    return row


def ends(api: Api, *session_ids: int) -> list[dict]:
    """The session.end events of these sessions, with their actor."""
    events = in_database(
        api, query=select(AuditEvent).where(AuditEvent.action == "session.end").order_by("id")
    )
    found = [{**event.details, "actor": event.actor} for event in events]
    return [event for event in found if event["session"] in session_ids]


def age(api: Api, session_id: int, **columns: timedelta) -> None:
    """Move the session's times back by the given amounts."""
    now = datetime.now(UTC)
    values = {name: now - delay for name, delay in columns.items()}
    in_database(api, update(UserSession).where(UserSession.id == session_id).values(**values))


def test_an_idle_session_ends_and_its_next_request_is_refused(api: Api):
    client, _csrf = logged_in(api)
    session_id = own_session_id(client)
    age(api, session_id, last_seen_at=timedelta(minutes=29))
    assert client.get("/api/v1/session").status_code == 200
    age(api, session_id, last_seen_at=timedelta(minutes=31))
    refused = client.get("/api/v1/session")
    assert refused.status_code == 401
    assert refused.mimetype == "application/problem+json"
    assert "your session has ended" in refused.json["detail"]
    assert session_row(api, session_id).end_reason == "idle"
    assert ends(api, session_id) == [
        {"session": session_id, "reason": "idle", "by": "ged", "actor": None}
    ]
    # The cookie was cleared: the next request is simply not logged in.
    assert "log in" in client.get("/api/v1/session").json["detail"]


def test_a_session_past_its_absolute_end_ends_however_busy(api: Api):
    client, _csrf = logged_in(api)
    session_id = own_session_id(client)
    row = session_row(api, session_id)
    # [web] session_max_hours, 12 by default, from the login
    assert row.expires_at - row.created_at == timedelta(hours=12)
    age(api, session_id, expires_at=timedelta(seconds=1))
    assert client.get("/api/v1/session").status_code == 401
    assert session_row(api, session_id).end_reason == "expired"


def test_last_seen_is_written_at_most_once_a_minute(shared: Api):
    client, _csrf = logged_in(shared, "archives_authority")
    session_id = own_session_id(client)
    age(shared, session_id, last_seen_at=timedelta(seconds=30))
    before = session_row(shared, session_id).last_seen_at
    client.get("/api/v1/session")
    assert session_row(shared, session_id).last_seen_at == before
    age(shared, session_id, last_seen_at=timedelta(minutes=2))
    client.get("/api/v1/session")
    refreshed = session_row(shared, session_id).last_seen_at
    assert datetime.now(UTC) - refreshed.replace(tzinfo=UTC) < timedelta(seconds=30)


def test_ending_a_session_from_another_client_logs_that_one_out(shared: Api):
    api = shared
    first, csrf = logged_in(api)
    second, _ = logged_in(api)
    listed = first.get("/api/v1/sessions").json["sessions"]
    assert len(listed) == 2
    assert [row["current"] for row in listed].count(True) == 1
    assert {row["username"] for row in listed} == {"agent"}
    other = own_session_id(second)
    # a cookie request: the CSRF token is required, as for any change
    assert first.delete(f"/api/v1/sessions/{other}").status_code == 400
    assert (
        first.delete(f"/api/v1/sessions/{other}", headers={"X-CSRFToken": csrf}).status_code == 204
    )
    assert second.get("/api/v1/session").status_code == 401
    assert first.get("/api/v1/session").status_code == 200
    assert ends(api, other) == [
        {"session": other, "reason": "ended_by_user", "by": "agent", "actor": "agent"}
    ]
    first.delete("/api/v1/session", headers={"X-CSRFToken": csrf})


def test_logout_ends_the_session_on_the_server_so_a_copied_cookie_is_worthless(shared: Api):
    api = shared
    client, csrf = logged_in(api, "auditor")
    session_id = own_session_id(client)
    cookie = client.get_cookie("ged_session").value
    copy = api.client.application.test_client()
    copy.set_cookie("ged_session", cookie)
    assert copy.get("/api/v1/session").status_code == 200
    assert client.delete("/api/v1/session", headers={"X-CSRFToken": csrf}).status_code == 204
    assert copy.get("/api/v1/session").status_code == 401
    assert session_row(api, session_id).end_reason == "logout"
    # the logout's own event names the session it ended
    [logout] = in_database(
        api,
        query=select(AuditEvent).where(
            AuditEvent.action == "logout", AuditEvent.actor == "auditor"
        ),
    )
    assert logout.details == {"session": session_id}
    assert ends(api, session_id) == []


def test_a_password_change_ends_the_other_sessions_but_not_the_current_one(shared: Api):
    api = shared
    first, csrf = logged_in(api, "archivist")
    second, _ = logged_in(api, "archivist")
    kept, gone = own_session_id(first), own_session_id(second)
    changed = first.post(
        "/api/v1/session/password",
        json={"current_password": PASSWORD, "new_password": "une toute nouvelle phrase"},
        headers={"X-CSRFToken": csrf},
    )
    assert changed.status_code == 204, changed.json
    assert first.get("/api/v1/session").status_code == 200
    assert second.get("/api/v1/session").status_code == 401
    assert session_row(api, kept).ended_at is None
    assert session_row(api, gone).end_reason == "password_changed"


def test_disabling_an_account_ends_its_sessions(shared: Api):
    api = shared
    client, _csrf = logged_in(api, "outsider")
    session_id = own_session_id(client)
    disabled = api.patch("/api/v1/admin/users/outsider", "admin", json={"is_active": False})
    assert disabled.status_code == 200, disabled.json
    assert session_row(api, session_id).end_reason == "account_disabled"
    api.patch("/api/v1/admin/users/outsider", "admin", json={"is_active": True})
    # enabled again: the session stays over
    assert client.get("/api/v1/session").status_code == 401
    assert ends(api, session_id) == [
        {"session": session_id, "reason": "account_disabled", "by": "admin", "actor": "admin"}
    ]


def test_an_admin_sees_and_ends_anyones_session_and_others_may_not(shared: Api):
    api = shared
    session_id, key = session_of(api, "outsider")
    client = api.client.application.test_client()
    with client.session_transaction() as cookie:
        cookie["key"] = key
    listed = api.get("/api/v1/sessions?user=outsider", "admin")
    assert listed.status_code == 200
    assert [row["id"] for row in listed.json["sessions"]] == [session_id]
    assert listed.json["sessions"][0]["current"] is False
    assert api.get("/api/v1/sessions?user=personne", "admin").status_code == 404
    refused = api.get("/api/v1/sessions?user=outsider", "agent")
    assert refused.status_code == 403
    assert "only an administrator" in refused.json["detail"]
    assert api.delete(f"/api/v1/sessions/{session_id}", "agent").status_code == 403
    assert client.get("/api/v1/session").status_code == 200
    assert api.delete(f"/api/v1/sessions/{session_id}", "admin").status_code == 204
    assert client.get("/api/v1/session").status_code == 401
    assert session_row(api, session_id).end_reason == "ended_by_admin"
    # ending it again changes nothing
    assert api.delete(f"/api/v1/sessions/{session_id}", "admin").status_code == 204
    assert len(ends(api, session_id)) == 1


def test_a_timed_out_session_is_not_listed_even_before_anyone_comes_back(shared: Api):
    idle, _key = session_of(shared, "station")
    live, _key = session_of(shared, "station")
    age(shared, idle, last_seen_at=timedelta(hours=1))
    listed = shared.get("/api/v1/sessions?user=station", "admin").json["sessions"]
    assert [row["id"] for row in listed] == [live]
