"""/api/v1/audit: auditors and administrators only, every call audited, exports streamed."""

from __future__ import annotations

import json
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from ged.audit.chain import head
from ged.audit.offline import verify_file
from ged.audit.seal import generate_key, seal_checkpoint
from ged.db import make_engine, make_session_factory
from ged.models import ACCESS, LIFECYCLE, AuditEvent
from ged.web import create_app
from tests.apiclient import Api, seed_accounts
from tests.ged.test_audit_export import insert_chain
from tests.migrated import migrate
from tests.ui.pages import browser

URLS = ("/api/v1/audit/events", "/api/v1/audit/verify", "/api/v1/audit/export?format=jsonl")


@pytest.fixture(params=["sqlite", "postgresql"])
def api(request, make_settings, tmp_path) -> Iterator[Api]:
    """The app with a signing key, on each database."""
    audit_settings = {"key_file": tmp_path / "audit.key"}
    if request.param == "sqlite":
        settings = make_settings(audit=audit_settings)
        migrate(settings.database.url)
    else:
        url = request.getfixturevalue("fresh_postgres_url")
        settings = make_settings(database={"url": url}, audit=audit_settings)
    generate_key(settings.audit.key_file)
    app = create_app(settings)
    yield Api(app.test_client(), seed_accounts(settings), settings)
    app.extensions["ged"].close()


def events(api: Api, **criteria) -> list[AuditEvent]:
    engine = make_engine(api.settings.database)
    try:
        with make_session_factory(engine)() as session:
            query = select(AuditEvent).filter_by(**criteria).order_by(AuditEvent.id)
            return list(session.scalars(query))
    finally:
        engine.dispose()


def add_events(api: Api, count: int) -> int:
    """Append ``count`` access events; return the seq of the first (token uses may be there
    already)."""
    engine = make_engine(api.settings.database)
    try:
        with make_session_factory(engine)() as session:
            first = head(session, ACCESS)[0] + 1
            insert_chain(session, count)
            return first
    finally:
        engine.dispose()


#: endpoint -> the rule of ged.access.RULES its service is allowed by
RULE_OF = {
    "audit.list_events": "audit.events",
    "audit.verify": "audit.verify",
    "audit.export": "audit.export",
    "ui.audit.events": "audit.events",
    "ui.audit.verify": "audit.verify",
}


def test_only_auditors_and_administrators_read_the_log_and_refusals_are_recorded(api):
    for url in URLS:
        for who in ("auditor", "admin"):
            assert api.get(url, who).status_code == 200, (url, who)
        for who in ("archivist", "agent", "station", "outsider"):
            refused = api.get(url, who)
            assert refused.status_code == 403, (url, who)
            assert refused.headers["Content-Type"] == "application/problem+json"
        assert api.client.get(url).status_code == 401
    denied = events(api, outcome="denied")
    # refusals are recorded once, by the one error handler of the app, naming the endpoint
    # and the rule the service refused them by
    assert [(e.actor, e.action, e.details["endpoint"], e.details["rule"]) for e in denied] == [
        (who, "access.denied", endpoint, RULE_OF[endpoint])
        for endpoint in ("audit.list_events", "audit.verify", "audit.export")
        for who in ("archivist", "agent", "station", "outsider")
    ]
    allowed = [(e.actor, e.action) for e in events(api, outcome="allowed")]
    assert allowed.count(("auditor", "audit.export")) == 1
    assert allowed.count(("admin", "audit.verify")) == 1


def test_the_auditor_pages_obey_the_same_rules_and_refusals_are_recorded_alike(api):
    for path in ("/audit", "/audit/verification"):
        assert browser(api, "auditor").get(path).status_code == 200
        assert browser(api, "agent").get(path).status_code == 403
    denied = events(api, outcome="denied")
    assert [(e.actor, e.action, e.details["endpoint"], e.details["rule"]) for e in denied] == [
        ("agent", "access.denied", endpoint, RULE_OF[endpoint])
        for endpoint in ("ui.audit.events", "ui.audit.verify")
    ]
    assert [e.action for e in events(api, actor="auditor") if e.action.startswith("audit.")] == [
        "audit.events",
        "audit.verify",
    ]


def test_events_are_filtered_paginated_and_the_consultation_recorded(api):
    first = add_events(api, 120)  # actor agent3: events 3, 43, 83 of them
    page = api.get("/api/v1/audit/events?actor=agent3&outcome=allowed&size=2&page=2", "auditor")
    assert page.status_code == 200, page.json
    assert page.json["total"] == 3 and (page.json["page"], page.json["size"]) == (2, 2)
    assert [event["seq"] for event in page.json["events"]] == [first + 3]  # newest first
    event = page.json["events"][0]
    assert set(event) >= {"seq", "ts", "actor", "action", "object_type", "object_id", "outcome"}
    assert set(event) >= {"stream", "ip", "user_agent", "details", "prev_hash", "hash"}
    assert event["stream"] == ACCESS

    by_document = api.get("/api/v1/audit/events?document=7&action=acl.view", "admin")
    assert [e["object_id"] for e in by_document.json["events"]] == ["7"]
    # the accounts' creation is in the lifecycle journal, the log's consultations are not
    journal = api.get("/api/v1/audit/events?stream=lifecycle&size=500", "auditor").json
    assert journal["total"] > 0
    assert {e["stream"] for e in journal["events"]} == {LIFECYCLE}
    assert "audit.events" not in {e["action"] for e in journal["events"]}
    consulted = events(api, action="audit.events")
    assert [e.details["filters"] for e in consulted] == [
        {"actor": "agent3", "outcome": "allowed"},
        {"document_id": 7, "action": "acl.view"},
        {"stream": LIFECYCLE},
    ]
    assert consulted[0].actor == "auditor" and consulted[0].ip == "127.0.0.1"


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("documnet=3", "documnet"),
        ("outcome=perhaps", "outcome"),
        ("date_from=hier", "date_from"),
        ("size=1000", "size"),
    ],
)
def test_wrong_parameters_are_named(api, query, field):
    answer = api.get(f"/api/v1/audit/events?{query}", "auditor")
    assert answer.status_code == 400
    assert answer.json["field"] == field


def test_export_is_recorded_before_it_streams(api):
    api.get("/api/v1/session", "auditor")  # the token's first use is an event of its own
    first = add_events(api, 10)
    exported = api.get(f"/api/v1/audit/export?format=csv&stream=access&seq_from={first}", "auditor")
    assert exported.status_code == 200
    assert exported.headers["Content-Type"] == "text/csv; charset=utf-8"
    assert exported.headers["Content-Disposition"].startswith('attachment; filename="audit-')
    lines = exported.get_data(as_text=True).splitlines()
    # the export's own event was committed before the first row: it is in the export
    assert len(lines) == 1 + 10 + 1 and ",audit.export," in lines[-1]
    recorded = events(api, action="audit.export")[0]
    assert recorded.details == {"format": "csv", "stream": ACCESS, "seq_from": first}

    refused = api.get("/api/v1/audit/export?format=bundle&actor=agent1", "auditor")
    assert refused.status_code == 422 and "unbroken range" in refused.json["detail"]
    assert api.get("/api/v1/audit/export?format=pdf", "auditor").status_code == 400


def test_verify_answers_the_result_and_is_recorded(api):
    add_events(api, 25)
    answer = api.get("/api/v1/audit/verify", "auditor")
    assert answer.status_code == 200
    assert answer.json["ok"] is True and answer.json["reason"] is None
    assert answer.json["checked"] >= 25 and answer.json["key_id"]
    assert set(answer.json["streams"]) == {ACCESS, LIFECYCLE}
    assert answer.json["streams"][ACCESS]["checked"] >= 25
    assert events(api, action="audit.verify")[0].details["ok"] is True


def download(api: Api, url: str, target: Path) -> int:
    """Stream an answer into a file; return the peak of Python memory meanwhile."""
    tracemalloc.start()
    try:
        response = api.client.get(url, headers=api.headers("auditor"), buffered=False)
        assert response.status_code == 200
        with target.open("wb") as out:
            for chunk in response.iter_encoded():
                out.write(chunk)
        response.close()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_an_export_streams_in_flat_memory_and_verifies_offline(api, tmp_path, fmt):
    first = add_events(api, 20_000)
    small, whole = tmp_path / f"small.{fmt}", tmp_path / f"audit.{fmt}"
    # The first download also pays for what any first request warms up.
    small_peak = download(api, f"/api/v1/audit/export?format={fmt}&seq_to={first + 1000}", small)
    peak = download(api, f"/api/v1/audit/export?format={fmt}", whole)
    grown = whole.stat().st_size - small.stat().st_size
    assert grown > 5 * 1024 * 1024
    # Twenty times the events, and the memory taken did not grow with them.
    assert peak - small_peak < grown / 4, f"peaks {small_peak / 1e6:.1f} and {peak / 1e6:.1f} MB"
    result = verify_file(whole)
    assert result.ok, result.detail
    access = result.of(ACCESS)
    assert access.checked == access.last_seq >= 20_001  # all, the export's own event included


def test_a_bundle_downloaded_from_the_api_verifies_offline(api, tmp_path):
    api.get("/api/v1/session", "auditor")  # the token's first use is an event of its own
    first = add_events(api, 2000)
    engine = make_engine(api.settings.database)
    try:
        with make_session_factory(engine)() as session:
            sealed = seal_checkpoint(session, api.settings)[-1].seq
    finally:
        engine.dispose()
    target = tmp_path / "audit.zip"
    download(api, f"/api/v1/audit/export?format=bundle&stream=access&seq_from={first}", target)
    with zipfile.ZipFile(target) as bundle:
        manifest = json.loads(bundle.read("manifest.json"))
    assert list(manifest["streams"]) == [ACCESS]
    access = manifest["streams"][ACCESS]
    assert (access["first_seq"], access["last_seq"]) == (first, sealed + 1)
    result = verify_file(target)
    assert result.ok, result.detail
    assert (result.of(ACCESS).checked, result.of(ACCESS).sealed_seq) == (2001, sealed)
