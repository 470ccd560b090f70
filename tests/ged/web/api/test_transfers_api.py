"""/api/v1/transfers on SQLite and PostgreSQL: a proposal answers 202 with the transfer
building; its package is refused (409) until built, then downloads as the ZIP whose
digest the transfer states; a document outside the transfer queue is refused with why."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest

from ged.audit.seal import generate_key
from ged.services.transfer_build import build_transfer
from tests.apiclient import Api, serve
from tests.ged.disposal_setup import make_due
from tests.ged.journal_setup import at, event_at, seal_at
from tests.ged.test_transfers import ARCHIVES
from tests.migrated import migrate

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(params=["sqlite", "postgresql"])
def api(request, make_settings, tmp_path) -> Iterator[Api]:
    sections: dict = {"archives": ARCHIVES, "audit": {"key_file": tmp_path / "audit.key"}}
    if request.param == "postgresql":
        sections["database"] = {"url": request.getfixturevalue("fresh_postgres_url")}
    settings = make_settings(**sections)
    generate_key(settings.audit.key_file)
    migrate(settings.database.url)
    yield from serve(settings)


def test_a_transfer_from_proposal_to_package(api: Api) -> None:
    runtime = api.client.application.extensions["ged"]
    due = api.upload(PDF + b"a verser", who="agent", unit="Urbanisme").json["id"]
    other = api.upload(PDF + b"a detruire", who="agent", unit="Urbanisme").json["id"]
    make_due(runtime, due, "transfer")
    make_due(runtime, other, "destroy")

    refused = api.post(
        "/api/v1/transfers", "archivist", json={"title": "V", "selection": {"ids": [other]}}
    )
    assert refused.status_code == 422
    assert f"document {other} is not in the transfer queue" in refused.json["detail"]

    made = api.post(
        "/api/v1/transfers",
        "archivist",
        json={"title": "Versement 2024", "selection": {"queue": "transfer"}, "versions": "all"},
    )
    assert made.status_code == 202, made.json
    transfer_id = made.json["id"]
    assert made.json["status"] == "building" and made.json["versions"] == "all"
    assert [item["document_id"] for item in made.json["items"]] == [due]
    assert api.get(f"/api/v1/transfers/{transfer_id}/package", "archivist").status_code == 409

    build_transfer(runtime, transfer_id)

    read = api.get(f"/api/v1/transfers/{transfer_id}", "archives_authority").json
    assert read["status"] == "ready" and read["progress_done"] == read["progress_total"] == 1
    listed = api.get("/api/v1/transfers?status=ready", "archivist").json
    assert [item["id"] for item in listed["transfers"]] == [transfer_id]
    package = api.get(f"/api/v1/transfers/{transfer_id}/package", "archivist")
    assert package.status_code == 200 and package.mimetype == "application/zip"
    assert hashlib.sha256(package.data).hexdigest() == read["package_sha256"]
    assert api.get(f"/api/v1/transfers/{transfer_id}", "agent").status_code == 403


def test_the_journal_of_a_day_is_proposed_through_the_api(api: Api) -> None:
    today = datetime.now(UTC).date()
    refused = api.post("/api/v1/transfers/journal", "archivist", json={"day": today.isoformat()})
    assert refused.status_code == 422 and "once the day is over" in refused.json["detail"]
    malformed = api.post("/api/v1/transfers/journal", "archivist", json={"day": "1er mai"})
    assert malformed.status_code == 400  # not a date: the schema refuses it
    runtime = api.client.application.extensions["ged"]
    day = today - timedelta(days=2)
    with runtime.unit_of_work() as uow:  # a past day of the journal, sealed
        event_at(uow.session, at(day, 9), "document.update", 1)
        seal_at(uow.session, uow.settings, at(day, 10))
        uow.commit()

    made = api.post("/api/v1/transfers/journal", "archivist", json={"day": day.isoformat()})

    assert made.status_code == 202, made.json
    assert (made.json["kind"], made.json["journal_day"]) == ("journal", day.isoformat())
    assert made.json["status"] == "building" and made.json["items"] == []
    again = api.post("/api/v1/transfers/journal", "archivist", json={"day": day.isoformat()})
    assert again.status_code == 409 and "already on transfer" in again.json["detail"]
    listed = api.get("/api/v1/transfers", "archives_authority").json["transfers"]
    assert [(item["kind"], item["journal_day"]) for item in listed] == [
        ("journal", day.isoformat())
    ]
