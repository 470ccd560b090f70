"""Webhooks end to end: the real pipeline on real RQ workers, deliveries POSTed to a real
HTTP receiver on loopback, which can answer errors or be down."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.apiclient import Api, serve
from tests.migrated import migrate
from tests.processes import kill_group, run_worker_burst, start_worker, wait_until
from tests.receiver import Receiver
from workers.recovery import recover_once

TEXT = b"Compte rendu du conseil d'ecole, texte brut.\n"
TRUNCATED_PDF = b"%PDF-1.4\n1 0 obj<<>>\n"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    started = Receiver().start()
    yield started
    started.stop()


@pytest.fixture
def make_api(make_settings) -> Iterator[Callable[..., Api]]:
    """The app on SQLite with these settings (by section), shared with the workers."""
    served = []

    def build(**sections: dict) -> Api:
        settings = make_settings(**sections)
        migrate(settings.database.url)
        served.append(serve(settings))
        return next(served[-1])

    yield build
    for server in served:
        next(server, None)  # past serve()'s yield: the app's runtime is closed


def register(api: Api, receiver: Receiver, events: list[str], path: str = "/hooks/ged") -> dict:
    answer = api.post(
        "/api/v1/admin/webhooks", "admin", json={"url": receiver.url(path), "events": events}
    )
    assert answer.status_code == 201, answer.json
    return answer.json


def deliveries(api: Api, webhook: dict) -> list[dict]:
    answer = api.get(f"/api/v1/admin/webhooks/{webhook['id']}/deliveries", "admin")
    assert answer.status_code == 200, answer.json
    return answer.json["deliveries"]


def upload(api: Api, content: bytes = TEXT, filename: str = "cr.txt") -> int:
    # titled: a title ged would propose comes from the text, which the test keeps out of sight
    answer = api.upload(content, filename, who="agent", title=filename)
    assert answer.status_code == 202, answer.json
    return answer.json["id"]


def delete(api: Api, document_id: int) -> None:
    assert api.delete(f"/api/v1/documents/{document_id}", "agent").status_code == 204


def sweep(api: Api) -> None:
    """The recovery sweep that running workers make every [pipeline] recovery_seconds."""
    recover_once(api.client.application.extensions["ged"])


def test_the_pipeline_sends_done_and_failed_once_each_signed_with_the_secret(sqlite_api, receiver):
    hook = register(sqlite_api, receiver, ["document.done", "document.failed"])
    good = upload(sqlite_api)
    bad = upload(sqlite_api, TRUNCATED_PDF, "tronque.pdf")

    run_worker_burst(sqlite_api.settings)

    assert sorted(receiver.events()) == ["document.done", "document.failed"]
    by_document = {request.payload["document"]["id"]: request for request in receiver.received}
    done, failed = by_document[good], by_document[bad]
    assert done.headers["X-Ged-Event"] == "document.done"
    assert done.payload["document"]["status"] == "done"
    assert failed.headers["X-Ged-Event"] == "document.failed"
    assert failed.payload["version"]["status"] == "failed"
    assert failed.payload["version"]["error"]
    for request in receiver.received:
        assert request.path == "/hooks/ged"
        assert request.headers["Content-Type"] == "application/json"
        assert request.signed_with(hook["secret"])
        assert not request.signed_with("whsec_" + "x" * 43)
        assert request.payload["event"] == request.headers["X-Ged-Event"]
        assert str(request.payload["delivery_id"]) == request.headers["X-Ged-Delivery"]
        assert b"conseil" not in request.body  # no text content, ever
    assert sorted(
        (d["event"], d["status"], d["attempts"]) for d in deliveries(sqlite_api, hook)
    ) == [
        ("document.done", "delivered", 1),
        ("document.failed", "delivered", 1),
    ]

    run_worker_burst(sqlite_api.settings)
    assert len(receiver.received) == 2, "an event was sent twice"


def test_deleting_a_document_sends_document_deleted(sqlite_api, receiver):
    hook = register(sqlite_api, receiver, ["document.deleted"])
    document_id = upload(sqlite_api)
    run_worker_burst(sqlite_api.settings)
    assert receiver.received == []  # the pipeline's end is not subscribed to

    delete(sqlite_api, document_id)
    run_worker_burst(sqlite_api.settings)

    (request,) = receiver.received
    assert request.headers["X-Ged-Event"] == "document.deleted"
    assert request.payload["document"]["id"] == document_id
    assert request.payload["document"]["deleted"] is True
    assert request.signed_with(hook["secret"])


def test_a_receiver_that_is_down_loses_nothing_and_gets_the_event_once_back(make_api, receiver):
    api = make_api(
        pipeline={"recovery_seconds": 0.5},
        webhooks={"backoff": "[0.5]", "max_attempts": 100, "timeout": 2},
    )
    hook = register(api, receiver, ["document.done"])
    receiver.stop()
    document_id = upload(api)

    worker = start_worker(api.settings)
    try:
        wait_until(
            lambda: [d["attempts"] for d in deliveries(api, hook)] >= [2],
            120,
            "attempts while the receiver is down",
        )
        (waiting,) = deliveries(api, hook)
        assert waiting["status"] == "pending"
        assert waiting["last_status_code"] is None
        assert "Connection refused" in waiting["last_error"], waiting["last_error"]
        assert waiting["next_attempt_at"] is not None

        receiver.start()
        wait_until(
            lambda: deliveries(api, hook)[0]["status"] == "delivered",
            60,
            "the delivery once the receiver is back",
        )
    finally:
        kill_group(worker)
    assert receiver.events() == ["document.done"]
    assert receiver.received[0].payload["document"]["id"] == document_id


def test_after_its_last_attempt_a_delivery_is_failed_and_a_retry_delivers_it(make_api, receiver):
    api = make_api(webhooks={"backoff": "[0]", "max_attempts": 2})
    hook = register(api, receiver, ["document.done"])
    receiver.status = 500
    upload(api)

    run_worker_burst(api.settings)  # the pipeline, then the first attempt
    sweep(api)  # the retry is due at once
    run_worker_burst(api.settings)  # the second, last attempt

    (failed,) = deliveries(api, hook)
    assert (failed["status"], failed["attempts"], failed["next_attempt_at"]) == ("failed", 2, None)
    assert (failed["last_status_code"], failed["last_error"]) == (
        500,
        "HTTP 500 Internal Server Error",
    )
    sweep(api)
    run_worker_burst(api.settings)
    assert len(receiver.received) == 2, "a failed delivery was attempted again unasked"

    receiver.status = 200
    retry = f"/api/v1/admin/webhooks/{hook['id']}/deliveries/{failed['id']}/retry"
    answer = api.post(retry, "admin")
    assert (answer.status_code, answer.json["status"]) == (202, "pending")
    run_worker_burst(api.settings)

    (delivered,) = deliveries(api, hook)
    assert (delivered["status"], delivered["attempts"], delivered["last_status_code"]) == (
        "delivered",
        3,
        200,
    )
    assert delivered["last_error"] is None and delivered["delivered_at"]
    assert len({request.body for request in receiver.received}) == 1  # the same event each time
    assert all(request.signed_with(hook["secret"]) for request in receiver.received)
    assert api.post(retry, "admin").status_code == 409  # delivered: nothing to retry


def test_a_delivery_whose_job_was_lost_with_redis_is_sent_by_the_sweep(
    sqlite_api, receiver, redis_client
):
    register(sqlite_api, receiver, ["document.deleted"])
    document_id = upload(sqlite_api)
    run_worker_burst(sqlite_api.settings)
    delete(sqlite_api, document_id)
    redis_client.flushdb()  # the delivery's job is gone; the delivery is in the database

    run_worker_burst(sqlite_api.settings)
    assert receiver.received == []
    sweep(sqlite_api)
    run_worker_burst(sqlite_api.settings)

    assert receiver.events() == ["document.deleted"]


def test_a_deactivated_webhook_is_sent_nothing(sqlite_api, receiver):
    kept = register(sqlite_api, receiver, ["document.deleted"], "/kept")
    dropped = register(sqlite_api, receiver, ["document.deleted"], "/dropped")
    late = register(sqlite_api, receiver, ["document.deleted"], "/late")
    assert sqlite_api.delete(f"/api/v1/admin/webhooks/{dropped['id']}", "admin").status_code == 204
    document_id = upload(sqlite_api)
    run_worker_burst(sqlite_api.settings)
    delete(sqlite_api, document_id)
    # deactivated while its delivery waits for a worker
    assert sqlite_api.delete(f"/api/v1/admin/webhooks/{late['id']}", "admin").status_code == 204

    run_worker_burst(sqlite_api.settings)

    assert [request.path for request in receiver.received] == ["/kept"]
    assert deliveries(sqlite_api, dropped) == []
    (unsent,) = deliveries(sqlite_api, late)
    assert (unsent["status"], unsent["attempts"]) == ("failed", 0)
    assert "deactivated" in unsent["last_error"]
    listed = sqlite_api.get("/api/v1/admin/webhooks", "admin").json["webhooks"]
    assert [(h["id"], h["active"]) for h in listed] == [
        (kept["id"], True),
        (dropped["id"], False),
        (late["id"], False),
    ]


def test_a_redirect_is_not_followed_and_the_delivery_says_so(make_api, receiver):
    api = make_api(webhooks={"max_attempts": 1})
    hook = register(api, receiver, ["document.deleted"])
    receiver.status, receiver.location = 302, receiver.url("/elsewhere")
    document_id = upload(api)
    delete(api, document_id)

    run_worker_burst(api.settings)

    assert [request.path for request in receiver.received] == ["/hooks/ged"]
    (failed,) = deliveries(api, hook)
    assert (failed["status"], failed["last_status_code"]) == ("failed", 302)
    assert "redirect" in failed["last_error"] and "/elsewhere" in failed["last_error"]
