"""Bulk jobs end to end: POST /api/v1/bulk, ged's worker runs the job in a burst, and
GET /api/v1/jobs/{id} shows its progress; after a Redis flush the recovery sweep queues
it again. SQLite and PostgreSQL, real Redis and OpenSearch."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.apiclient import Api, serve
from tests.migrated import migrate
from tests.processes import run_worker_burst, wait_until
from workers.recovery import recover_once


@pytest.fixture(params=["sqlite", "postgresql"])
def bulk_api(request, make_settings, redis_client) -> Iterator[Api]:
    """The app with a short stale delay, so that a lost job is soon seen as abandoned."""
    sections: dict = {"pipeline": {"stale_seconds": 0.5}}
    if request.param == "postgresql":
        sections["database"] = {"url": request.getfixturevalue("fresh_postgres_url")}
    settings = make_settings(**sections)
    migrate(settings.database.url)
    yield from serve(settings)


def upload(api: Api, text: str) -> int:
    response = api.upload(f"{text}\n".encode(), "note.txt", who="agent", unit="Urbanisme")
    assert response.status_code == 202, response.json
    return response.json["id"]


def start(api: Api, operation: dict, selection: dict, who: str = "archivist") -> dict:
    response = api.post("/api/v1/bulk", who, json={"operation": operation, "selection": selection})
    assert response.status_code == 202, response.json
    assert response.headers["Location"] == f"/api/v1/jobs/{response.json['id']}"
    return response.json


def test_a_job_by_ids_runs_on_a_worker_and_shows_its_progress(bulk_api):
    ids = [upload(bulk_api, f"Note de service {n}") for n in range(3)]
    started = start(bulk_api, {"kind": "add_tags", "tags": ["urgent"]}, {"ids": [*ids, 99999]})
    assert (started["status"], started["total"], started["processed"]) == ("queued", 4, 0)

    run_worker_burst(bulk_api.settings)

    job = bulk_api.get(f"/api/v1/jobs/{started['id']}", "archivist").json
    assert {key: job[key] for key in ("status", "total", "processed", "succeeded", "failed")} == {
        "status": "done",
        "total": 4,
        "processed": 4,
        "succeeded": 3,
        "failed": 1,
    }
    assert job["errors"] == [{"document_id": 99999, "detail": "document 99999 does not exist"}]
    for document_id in ids:
        assert bulk_api.get(f"/api/v1/documents/{document_id}").json["tags"] == ["urgent"]
    # The index follows: each change queued its refresh, which the worker ran.
    wait_until(
        lambda: bulk_api.get("/api/v1/search?tag=urgent").json["total"] == 3, 10, "the index"
    )
    assert bulk_api.get(f"/api/v1/jobs/{started['id']}", "admin").status_code == 200
    assert bulk_api.get(f"/api/v1/jobs/{started['id']}", "agent").status_code == 404


def test_a_job_by_search_changes_the_documents_found(bulk_api):
    found = [upload(bulk_api, f"Arrêté de voirie {n}") for n in range(2)]
    other = upload(bulk_api, "Compte rendu du conseil")
    run_worker_burst(bulk_api.settings)  # the pipeline indexes them
    wait_until(lambda: bulk_api.get("/api/v1/search?q=voirie").json["total"] == 2, 10, "the index")

    started = start(
        bulk_api,
        {"kind": "set_document_type", "document_type": "arrete"},
        {"search": {"q": "voirie", "filters": {"unit": "Urbanisme"}}},
    )
    assert (started["total"], started["matched"], started["cut"]) == (2, 2, False)
    run_worker_burst(bulk_api.settings)

    assert bulk_api.get(f"/api/v1/jobs/{started['id']}", "archivist").json["succeeded"] == 2
    types = {
        document_id: bulk_api.get(f"/api/v1/documents/{document_id}").json["document_type"]
        for document_id in [*found, other]
    }
    assert [types[document_id] for document_id in found] == ["arrete", "arrete"]
    assert types[other] != "arrete"


def test_a_selection_over_the_bound_answers_422_naming_the_bound(bulk_api):
    response = bulk_api.post(
        "/api/v1/bulk",
        "archivist",
        json={
            "operation": {"kind": "add_tags", "tags": ["x"]},
            "selection": {"ids": list(range(1, 1002))},
        },
    )
    assert response.status_code == 422
    assert response.json["field"] == "selection.ids"
    assert "at most 1000" in response.json["detail"]
    assert "bulk_max_documents" in response.json["detail"]


def test_a_job_lost_with_redis_is_queued_again_by_the_recovery_sweep(bulk_api, redis_client):
    document_id = upload(bulk_api, "Registre des arrêtés")
    started = start(bulk_api, {"kind": "add_tags", "tags": ["registre"]}, {"ids": [document_id]})
    redis_client.flushdb()
    time.sleep(1)  # past the stale delay

    recover_once(bulk_api.client.application.extensions["ged"])
    run_worker_burst(bulk_api.settings)

    job = bulk_api.get(f"/api/v1/jobs/{started['id']}", "archivist").json
    assert (job["status"], job["succeeded"]) == ("done", 1)
    assert bulk_api.get(f"/api/v1/documents/{document_id}").json["tags"] == ["registre"]
