"""Attempts of a delivery: signed, one at a time, retried after the backoff, failed after
the last attempt, retried by hand, and queued again by the sweep when their job is lost.

Real SQLite and PostgreSQL, real Redis; tests/workers/test_webhooks.py sends them to a real
receiver.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from ged.bootstrap import Runtime
from ged.models import Webhook, WebhookDelivery
from ged.services.webhook_deliveries import Outcome, record_attempt, requeue_due, start_attempt
from ged.services.webhooks import retry_delivery
from ged.timeutil import aware
from tests.ged.webhook_setup import ADMIN, deleted_document_delivery, queued, runtime_on

FAILURE = Outcome(500, "HTTP 500 Internal Server Error")


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request, make_settings, redis_client) -> Iterator[Runtime]:
    yield from runtime_on(
        request, make_settings, webhooks={"max_attempts": 3, "backoff": "[10, 20]"}
    )


def state(runtime: Runtime, delivery_id: int) -> WebhookDelivery:
    with runtime.unit_of_work() as uow:
        return uow.session.get_one(WebhookDelivery, delivery_id)


def make_due(runtime: Runtime, delivery_id: int) -> None:
    """As if the time to the next attempt had passed."""
    with runtime.unit_of_work() as uow:
        uow.session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id == delivery_id)
            .values(next_attempt_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        uow.commit()


def attempt(runtime: Runtime, delivery_id: int, outcome: Outcome) -> WebhookDelivery:
    with runtime.unit_of_work() as uow:
        assert start_attempt(uow, delivery_id) is not None, "the delivery was not due"
    with runtime.unit_of_work() as uow:
        record_attempt(uow, delivery_id, outcome)
    return state(runtime, delivery_id)


def test_an_attempt_is_signed_with_the_secret_over_the_timestamp_and_the_body(runtime):
    webhook_id, delivery_id = deleted_document_delivery(runtime)
    with runtime.unit_of_work() as uow:
        outgoing = start_attempt(uow, delivery_id)
        secret = uow.session.get_one(Webhook, webhook_id).secret
    assert outgoing is not None
    headers = outgoing.headers
    assert headers["Content-Type"] == "application/json"
    assert headers["X-Ged-Event"] == "document.deleted"
    assert headers["X-Ged-Delivery"] == str(delivery_id)
    assert abs(int(headers["X-Ged-Timestamp"]) - datetime.now(UTC).timestamp()) < 10
    signed = headers["X-Ged-Timestamp"].encode() + b"." + outgoing.body
    digest = hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()
    assert headers["X-Ged-Signature"] == f"sha256={digest}"
    assert json.loads(outgoing.body) == state(runtime, delivery_id).payload


def test_a_delivery_is_attempted_by_one_worker_at_a_time(runtime):
    _, delivery_id = deleted_document_delivery(runtime)
    with runtime.unit_of_work() as uow:
        assert start_attempt(uow, delivery_id) is not None
    with runtime.unit_of_work() as uow:
        assert start_attempt(uow, delivery_id) is None  # a second job for the same delivery
    claimed = state(runtime, delivery_id)
    assert claimed.attempts == 1
    # should the worker die now, the delivery is tried again once the attempt's time is up
    lease = aware(claimed.next_attempt_at) - aware(claimed.last_attempt_at)
    assert lease > timedelta(seconds=runtime.settings.webhooks.timeout)


def test_failed_attempts_are_retried_after_the_backoff_then_the_delivery_fails(runtime):
    _, delivery_id = deleted_document_delivery(runtime)
    for number, delay in [(1, 10), (2, 20)]:
        delivery = attempt(runtime, delivery_id, FAILURE)
        assert (delivery.status, delivery.attempts) == ("pending", number)
        waited = aware(delivery.next_attempt_at) - aware(delivery.last_attempt_at)
        assert timedelta(seconds=delay) <= waited < timedelta(seconds=delay + 2)
        with runtime.unit_of_work() as uow:
            assert start_attempt(uow, delivery_id) is None, "attempted before its time"
        make_due(runtime, delivery_id)

    delivery = attempt(runtime, delivery_id, FAILURE)
    assert (delivery.status, delivery.attempts, delivery.next_attempt_at) == ("failed", 3, None)
    assert (delivery.last_status_code, delivery.last_error) == (500, FAILURE.error)
    with runtime.unit_of_work() as uow:
        assert start_attempt(uow, delivery_id) is None


def test_a_retry_by_hand_gives_a_failed_delivery_one_more_attempt_now(runtime):
    webhook_id, delivery_id = deleted_document_delivery(runtime)
    for _ in range(3):
        make_due(runtime, delivery_id)
        attempt(runtime, delivery_id, FAILURE)

    with runtime.unit_of_work() as uow:
        retry_delivery(uow, ADMIN, webhook_id, delivery_id)
    again = attempt(runtime, delivery_id, Outcome(None, "could not reach example.org: refused"))
    assert (again.status, again.attempts) == ("failed", 4)

    with runtime.unit_of_work() as uow:
        retry_delivery(uow, ADMIN, webhook_id, delivery_id)
    delivered = attempt(runtime, delivery_id, Outcome(204))
    assert (delivered.status, delivered.attempts, delivered.last_status_code) == (
        "delivered",
        5,
        204,
    )
    assert delivered.last_error is None and delivered.next_attempt_at is None
    assert delivered.delivered_at is not None


def test_the_sweep_queues_the_due_deliveries_whose_job_is_gone(runtime, redis_client):
    _, delivery_id = deleted_document_delivery(runtime)
    job = f"delivery-{delivery_id}"
    with runtime.unit_of_work() as uow:
        assert requeue_due(uow) == []  # its own job still waits in the queue

    redis_client.flushdb()
    with runtime.unit_of_work() as uow:
        assert requeue_due(uow) == [delivery_id]
    assert job in queued(runtime, redis_client)

    attempt(runtime, delivery_id, FAILURE)  # the next attempt is in ten seconds
    redis_client.flushdb()
    with runtime.unit_of_work() as uow:
        assert requeue_due(uow) == []
    make_due(runtime, delivery_id)
    with runtime.unit_of_work() as uow:
        assert requeue_due(uow) == [delivery_id]
    assert queued(runtime, redis_client) == [job]
