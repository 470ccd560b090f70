"""Liveness and readiness against the real services, including a service going down."""

import json

import pytest

from ged.web import create_app
from tests import s3
from tests.apiclient import serve
from tests.conftest import worker_number
from tests.migrated import migrate
from tests.relay import relay_to
from tests.services import Throwaway


def readiness(settings):
    client = create_app(settings).test_client()
    return client.get("/readyz")


def test_healthz_answers_without_any_dependency(make_settings):
    settings = make_settings(
        opensearch={"urls": '["http://127.0.0.1:9"]'}, redis={"url": "redis://127.0.0.1:9/0"}
    )
    response = create_app(settings).test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok"}


def test_readyz_is_green_when_every_dependency_answers(settings):
    response = readiness(settings)
    assert response.status_code == 200, response.json
    assert response.json["status"] == "ready"
    assert set(response.json["checks"]) == {"database", "blob_store", "opensearch", "redis"}
    assert all(check["ok"] for check in response.json["checks"].values())


def test_readyz_reports_an_unwritable_blob_store(make_settings, tmp_path):
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("x")
    response = readiness(make_settings(storage={"path": blocker / "blobs"}))
    assert response.status_code == 503
    assert response.json["checks"]["blob_store"]["ok"] is False
    assert "blob_store" in response.json["detail"]


def test_readyz_is_green_on_an_s3_blob_store(make_settings, s3_urls, s3_bucket):
    response = readiness(make_settings(storage=s3.storage_section(s3_urls, s3_bucket)))
    assert response.status_code == 200, response.json
    assert response.json["checks"]["blob_store"]["ok"] is True


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"secret_key": "not-the-secret"}, "storage.secret_key"),
        ({"bucket": "ged-no-such-bucket"}, "storage.bucket"),
        ({"endpoint": "http://127.0.0.1:9", "timeout": 1}, "storage.endpoint"),
    ],
    ids=["wrong-credentials", "missing-bucket", "server-down"],
)
def test_readyz_says_why_the_s3_blob_store_cannot_be_used(
    make_settings, s3_urls, s3_bucket, change, named
):
    storage = s3.storage_section(s3_urls, s3_bucket, **change)
    response = readiness(make_settings(storage=storage))
    assert response.status_code == 503
    check = response.json["checks"]["blob_store"]
    assert check["ok"] is False
    assert named in check["detail"]
    assert response.json["checks"]["database"]["ok"] is True


def test_a_download_while_the_s3_server_is_down_answers_503(make_settings, s3_urls, s3_bucket):
    storage = s3.storage_section(s3_urls, s3_bucket)
    settings = make_settings(storage=storage)
    migrate(settings.database.url)
    for api in serve(settings):
        document_id = api.upload(b"%PDF-1.4\n%%EOF\n").json["id"]
    down = settings.model_copy(
        update={
            "storage": settings.storage.model_copy(
                update={"endpoint": "http://127.0.0.1:9", "timeout": 1}
            )
        }
    )
    app = create_app(down)
    response = app.test_client().get(
        f"/api/v1/documents/{document_id}/content", headers=api.headers("admin")
    )
    app.extensions["ged"].close()
    assert response.status_code == 503
    assert response.mimetype == "application/problem+json"
    assert "storage.endpoint" in response.json["detail"]


def test_readyz_reports_an_unreachable_database(make_settings, tmp_path):
    url = "postgresql://ged:ged@127.0.0.1:9/ged"
    response = readiness(make_settings(database={"url": url}))
    assert response.status_code == 503
    assert response.json["checks"]["database"]["ok"] is False
    assert response.json["checks"]["redis"]["ok"] is True


@pytest.fixture
def throwaway(request):
    # One instance name and port range per xdist worker, so parallel runs never collide.
    number = worker_number(request)
    instance = Throwaway(f"throwaway-{number}", port_offset=10 + number)
    yield instance
    for service in list(instance.started):
        instance.stop(service)


def test_readyz_turns_503_when_redis_stops(make_settings, throwaway):
    urls = throwaway.start("redis")
    settings = make_settings(redis={"url": urls["redis_url"]})
    assert readiness(settings).status_code == 200

    throwaway.stop("redis")

    response = readiness(settings)
    assert response.status_code == 503
    assert response.json["checks"]["redis"]["ok"] is False
    assert response.json["checks"]["opensearch"]["ok"] is True
    assert "redis" in response.json["detail"]


def test_readyz_turns_503_when_opensearch_stops(make_settings, service_urls):
    with relay_to(service_urls["opensearch_url"]) as search:
        settings = make_settings(opensearch={"urls": f'["{search.url}"]'})
        assert readiness(settings).status_code == 200

        search.cut()

        response = readiness(settings)
    assert response.status_code == 503
    assert response.json["checks"]["opensearch"]["ok"] is False
    assert response.json["checks"]["redis"]["ok"] is True
    assert "opensearch" in response.json["detail"]


def test_readyz_shows_the_watched_folders_counters(make_settings, tmp_path):
    inbox = tmp_path / "scans"
    settings = make_settings(watch={"folders": f'[{{"path": "{inbox}", "station": "scanner"}}]'})
    response = readiness(settings)
    assert response.status_code == 200, response.json
    counters = response.json["watched_folders"][str(inbox)]
    assert counters["taken"] == 0 and counters["failed"] == 0


def test_readyz_shows_the_mailboxes_counters(make_settings):
    account = {"name": "courrier", "server": "127.0.0.1", "username": "u", "station": "courriel"}
    settings = make_settings(mail={"accounts": json.dumps([account])})
    response = readiness(settings)
    assert response.status_code == 200, response.json
    assert response.json["mailboxes"] == {
        "courrier": {"taken": 0, "filed": 0, "failed": 0, "postponed": 0, "acknowledged": 0}
    }
