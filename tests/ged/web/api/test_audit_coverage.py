"""Every action writes exactly one audit event naming who did what to which object."""

from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy import select

from ged.db import make_engine, make_session_factory
from ged.models.audit import AuditEvent
from tests.apiclient import PASSWORD

PDF = b"%PDF-1.4\n%%EOF\n"


class Trail:
    """The events written since the last call to new()."""

    def __init__(self, settings) -> None:
        self.engine = make_engine(settings.database)
        self.seen = 0
        self.new()

    def new(self) -> list[AuditEvent]:
        with make_session_factory(self.engine)() as session:
            events = list(
                session.scalars(
                    select(AuditEvent).where(AuditEvent.id > self.seen).order_by(AuditEvent.id)
                )
            )
        if events:
            self.seen = events[-1].id
        return events

    def one(
        self, action: str, actor: str | None, object_id=None, outcome: str = "allowed"
    ) -> AuditEvent:
        events = [event for event in self.new() if event.action != "token.use"]
        assert [(e.action, e.actor, e.outcome) for e in events] == [(action, actor, outcome)]
        if object_id is not None:
            assert events[0].object_id == str(object_id)
        return events[0]


@pytest.fixture
def trail(api):
    trail = Trail(api.settings)
    yield trail
    trail.engine.dispose()


def test_document_actions_are_each_one_event(api, trail):
    created = api.upload(PDF, "arrete.pdf", who="agent", unit="Urbanisme")
    doc = created.json["id"]
    upload = trail.one("document.upload", "agent", doc)
    assert upload.details["filename"] == "arrete.pdf" and upload.details["version"] == 1
    assert upload.ip == "127.0.0.1"

    api.get(f"/api/v1/documents/{doc}")
    trail.one("document.view", "agent", doc)
    api.get(f"/api/v1/documents/{doc}/text")
    trail.one("document.text", "agent", doc)
    api.add_version(doc, PDF + b"v2", comment="signée")
    trail.one("document.version.add", "agent", doc)
    api.get(f"/api/v1/documents/{doc}/content?version=1")
    assert trail.one("document.download", "agent", doc).details == {"version": 1}
    api.get(f"/api/v1/documents/{doc}/versions")
    trail.one("document.versions", "agent", doc)
    api.post(f"/api/v1/documents/{doc}/versions/1/restore")
    trail.one("document.version.restore", "agent", doc)

    api.patch(f"/api/v1/documents/{doc}", json={"title": "Arrêté de voirie"})
    change = trail.one("document.update", "agent", doc)
    assert change.details == {"before": {"title": "arrete"}, "after": {"title": "Arrêté de voirie"}}

    grants = [
        {"principal": "user:agent", "permission": "manage"},
        {"principal": "user:outsider", "permission": "read"},
    ]
    api.client.put(
        f"/api/v1/documents/{doc}/acl", headers=api.headers("agent"), json={"grants": grants}
    )
    acl = trail.one("acl.change", "agent", doc)
    assert len(acl.details["after"]["grants"]) == 2 and len(acl.details["before"]["grants"]) == 1
    api.get(f"/api/v1/documents/{doc}/acl")
    trail.one("acl.view", "agent", doc)

    api.get("/api/v1/search?q=voirie&unit=Urbanisme")
    search = trail.one("search", "agent")
    assert search.details["q"] == "voirie" and search.details["filters"] == {"unit": "Urbanisme"}
    assert "hits" in search.details

    api.delete(f"/api/v1/documents/{doc}")
    trail.one("document.delete", "agent", doc)
    api.post(f"/api/v1/documents/{doc}/restore", "archivist")
    trail.one("document.undelete", "archivist", doc)


def test_refused_accesses_are_recorded_as_denied(api, trail):
    doc = api.upload(PDF, who="agent").json["id"]
    trail.new()
    assert api.get(f"/api/v1/documents/{doc}", "outsider").status_code == 404
    denied = trail.one("access.denied", "outsider", doc, outcome="denied")
    assert denied.details["status"] == 404
    assert api.delete(f"/api/v1/documents/{doc}", "station").status_code == 404
    trail.one("access.denied", "station", doc, outcome="denied")
    assert api.get("/api/v1/audit/events", "agent").status_code == 403
    assert [e.outcome for e in trail.new() if e.action != "token.use"] == ["denied"]


def test_logins_logouts_and_password_changes(api, trail):
    client = api.client.application.test_client()
    client.post("/api/v1/session", json={"username": "agent", "password": "faux mot de passe"})
    failed = trail.one("login.failed", "agent", outcome="denied")
    assert failed.details == {"reason": "wrong password"}
    client.post("/api/v1/session", json={"username": "personne", "password": "x"})
    trail.one("login.failed", "personne", outcome="denied")
    token = client.post("/api/v1/session", json={"username": "agent", "password": PASSWORD}).json[
        "csrf_token"
    ]
    trail.one("login", "agent")
    client.post(
        "/api/v1/session/password",
        json={"current_password": PASSWORD, "new_password": "un autre mot de passe"},
        headers={"X-CSRFToken": token},
    )
    trail.one("password.change", "agent")
    client.delete("/api/v1/session", headers={"X-CSRFToken": token})
    trail.one("logout", "agent")


def test_administration_is_recorded(api, trail):
    api.client.post(
        "/api/v1/admin/users",
        headers=api.headers("admin"),
        json={"username": "lucie", "role": "station"},
    )
    trail.one("user.create", "admin", "lucie")
    api.patch("/api/v1/admin/users/lucie", "admin", json={"role": "agent", "is_active": False})
    update = trail.one("user.update", "admin", "lucie")
    assert update.details["before"] == {"role": "station", "is_active": True}
    api.client.post("/api/v1/admin/groups", headers=api.headers("admin"), json={"name": "compta"})
    trail.one("group.create", "admin", "compta")
    api.client.post("/api/v1/admin/units", headers=api.headers("admin"), json={"name": "Finances"})
    trail.one("unit.create", "admin", "Finances")
    created = api.client.post(
        "/api/v1/admin/tokens",
        headers=api.headers("admin"),
        json={"username": "outsider", "label": "import"},
    ).json
    trail.one("token.create", "admin", created["id"])
    api.delete(f"/api/v1/admin/tokens/{created['id']}", "admin")
    trail.one("token.revoke", "admin", created["id"])
    api.client.put("/api/v1/units/Finances/acl", headers=api.headers("admin"), json={"grants": []})
    trail.one("acl.change", "admin", "Finances")


def test_token_use_is_recorded_once_per_minute_with_its_label(api, trail):
    fresh = api.client.post(
        "/api/v1/admin/tokens",
        headers=api.headers("admin"),
        json={"username": "outsider", "label": "scanner"},
    ).json["token"]
    trail.new()
    for _ in range(3):
        api.client.get("/api/v1/session", headers={"Authorization": f"Bearer {fresh}"})
    uses = [e for e in trail.new() if e.action == "token.use"]
    assert [(e.actor, e.actor_token) for e in uses] == [("outsider", "scanner")]


def test_upload_by_multipart_has_the_client_address_and_agent(api, trail):
    api.client.post(
        "/api/v1/documents",
        headers={**api.headers("agent"), "User-Agent": "scanner-station/2.1"},
        data={"file": (BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data",
    )
    event = trail.one("document.upload", "agent")
    assert event.user_agent == "scanner-station/2.1"
