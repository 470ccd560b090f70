"""Registering webhooks, and deliveries written in the transaction of the change they tell of.

Real SQLite and PostgreSQL, real Redis (the queue the workers read); the sending itself is
tested with a real receiver and real workers in tests/workers/test_webhooks.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from ged.access import Principal, principal_for
from ged.bootstrap import Runtime
from ged.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ged.models import ROLES, AuditEvent, Document
from ged.services import webhooks
from ged.services.documents import delete_document
from ged.services.users import create_user
from tests.ged.webhook_setup import (
    ADMIN,
    deleted_document_delivery,
    deliveries,
    file_document,
    queued,
    register,
    runtime_on,
)


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request, make_settings, redis_client) -> Iterator[Runtime]:
    yield from runtime_on(request, make_settings)


@pytest.mark.parametrize(
    "url",
    [
        "",
        "   ",
        "/hooks/ged",
        "example.org/hooks",
        "ftp://example.org/hooks",
        "javascript:alert(1)",
        "file:///etc/passwd",
        "http://",
        "https://user:secret@example.org/hooks",
        "https://example.org:99999/hooks",
        "https://example.org/hooks ged",
        "https://example.org/ho\nks",
        "https://example.org/hooks#part",
        "https://example.org/" + "a" * 2000,
        42,
        None,
    ],
)
def test_a_url_that_is_not_absolute_http_or_https_is_refused_naming_url(url):
    with pytest.raises(InvalidInput) as refused:
        webhooks.clean_url(url)
    assert refused.value.field == "url"
    assert "url" in str(refused.value)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080/hooks", "https://integration.example.org/ged?team=7"]
)
def test_absolute_http_and_https_urls_are_accepted(url):
    assert webhooks.clean_url(f"  {url} ") == url


@pytest.mark.parametrize(
    "events", [[], ["document.created"], "document.done", [1], None, ["document.done", "x"]]
)
def test_events_must_be_a_list_of_known_events(events):
    with pytest.raises(InvalidInput) as refused:
        webhooks.clean_events(events)
    assert refused.value.field == "events"
    assert "document.done, document.failed, document.deleted" in str(refused.value)


def test_events_are_kept_once_each_sorted():
    assert webhooks.clean_events(["document.failed", "document.done", "document.failed"]) == [
        "document.done",
        "document.failed",
    ]


def test_only_administrators_manage_webhooks(runtime):
    hook = register(runtime)
    for role in (role for role in ROLES if role != "admin"):
        with runtime.unit_of_work() as uow:
            user = create_user(
                uow, ADMIN, f"u-{role}", role, None if role == "station" else "un mot de passe sûr"
            )
            caller: Principal = principal_for(user)
        calls = {
            "webhook.create": lambda uow, who: webhooks.create_webhook(
                uow, who, "http://127.0.0.1:9/", ["document.done"]
            ),
            "webhook.list": webhooks.list_webhooks,
            "webhook.deactivate": lambda uow, who: webhooks.deactivate_webhook(uow, who, hook),
            "webhook.deliveries": lambda uow, who: webhooks.list_deliveries(uow, who, hook),
            "webhook.retry": lambda uow, who: webhooks.retry_delivery(uow, who, hook, 1),
        }
        for rule, call in calls.items():
            with runtime.unit_of_work() as uow, pytest.raises(PermissionDenied) as refused:
                call(uow, caller)
            assert refused.value.rule == rule


def test_creating_and_deactivating_are_audited_and_the_secret_is_never_recorded(runtime):
    with runtime.unit_of_work() as uow:
        hook = webhooks.create_webhook(
            uow, ADMIN, "https://example.org/hooks", ["document.done"], "Registre courrier"
        )
    assert hook.secret.startswith("whsec_") and len(hook.secret) > 40
    with runtime.unit_of_work() as uow:
        webhooks.deactivate_webhook(uow, ADMIN, hook.id)
        webhooks.deactivate_webhook(uow, ADMIN, hook.id)  # already done: nothing more recorded
    with runtime.unit_of_work() as uow:
        events = list(
            uow.session.scalars(select(AuditEvent).where(AuditEvent.object_type == "webhook"))
        )
        listed = webhooks.list_webhooks(uow, ADMIN).items
    assert [(e.action, e.object_id) for e in events] == [
        ("webhook.create", str(hook.id)),
        ("webhook.deactivate", str(hook.id)),
    ]
    assert events[0].details == {
        "url": "https://example.org/hooks",
        "events": ["document.done"],
        "description": "Registre courrier",
    }
    assert all(hook.secret not in str(event.details) for event in events)
    assert [(h.id, h.active) for h in listed] == [(hook.id, False)]


def test_a_delivery_exists_exactly_when_its_change_is_committed(runtime, redis_client):
    register(runtime, "document.deleted")
    document_id = file_document(runtime)
    before = set(queued(runtime, redis_client))

    with runtime.unit_of_work() as uow:
        document = uow.session.get_one(Document, document_id)
        webhooks.emit_document_event(uow, "document.deleted", document)
        # left without a commit: the change is rolled back, and its delivery with it
    assert deliveries(runtime) == []
    assert set(queued(runtime, redis_client)) == before

    with runtime.unit_of_work() as uow:
        delete_document(uow, ADMIN, document_id)
    (delivery,) = deliveries(runtime)
    assert (delivery.event, delivery.document_id, delivery.status) == (
        "document.deleted",
        document_id,
        "pending",
    )
    # Ahead of the pipeline's long jobs: a delivery takes seconds.
    assert queued(runtime, redis_client)[0] == f"delivery-{delivery.id}"


def test_only_active_webhooks_subscribed_to_the_event_get_a_delivery(runtime):
    wanted = register(runtime, "document.deleted", "document.done")
    register(runtime, "document.done", "document.failed")
    gone = register(runtime, "document.deleted")
    with runtime.unit_of_work() as uow:
        webhooks.deactivate_webhook(uow, ADMIN, gone)
    document_id = file_document(runtime)
    with runtime.unit_of_work() as uow:
        delete_document(uow, ADMIN, document_id)
    assert [(d.webhook_id, d.event) for d in deliveries(runtime)] == [(wanted, "document.deleted")]


def test_the_payload_tells_the_document_state_and_never_its_text(runtime):
    _, delivery_id = deleted_document_delivery(runtime)
    (delivery,) = deliveries(runtime)
    payload = delivery.payload
    assert payload["event"] == "document.deleted"
    assert payload["delivery_id"] == delivery_id
    assert payload["occurred_at"].endswith("Z")
    document = payload["document"]
    assert document["id"] == delivery.document_id
    assert document["title"] == "Arrêté voirie"
    assert document["current_version"] == 1
    assert document["deleted"] is True
    assert document["status"] == "processing"  # its pipeline has not run in this test
    assert payload["version"]["number"] == 1
    assert payload["version"]["filename"] == "arrete.txt"
    assert "voirie communale" not in str(payload)


def test_deactivating_a_webhook_fails_its_waiting_deliveries_unsent(runtime):
    hook, _ = deleted_document_delivery(runtime)
    with runtime.unit_of_work() as uow:
        webhooks.deactivate_webhook(uow, ADMIN, hook)
    (delivery,) = deliveries(runtime)
    assert (delivery.status, delivery.attempts, delivery.last_error) == (
        "failed",
        0,
        webhooks.DEACTIVATED,
    )
    with runtime.unit_of_work() as uow, pytest.raises(Conflict, match="deactivated"):
        webhooks.retry_delivery(uow, ADMIN, hook, delivery.id)


def test_only_a_failed_delivery_of_that_webhook_can_be_retried(runtime):
    hook, delivery_id = deleted_document_delivery(runtime)
    other = register(runtime, "document.done")
    with runtime.unit_of_work() as uow, pytest.raises(Conflict, match="is pending"):
        webhooks.retry_delivery(uow, ADMIN, hook, delivery_id)
    with runtime.unit_of_work() as uow, pytest.raises(NotFound):
        webhooks.retry_delivery(uow, ADMIN, other, delivery_id)
    with runtime.unit_of_work() as uow, pytest.raises(NotFound, match="no webhook"):
        webhooks.list_deliveries(uow, ADMIN, 12345)
    with runtime.unit_of_work() as uow, pytest.raises(InvalidInput) as refused:
        webhooks.list_deliveries(uow, ADMIN, hook, status="lost")
    assert refused.value.field == "status"


def test_a_document_with_no_webhook_writes_no_delivery(runtime):
    document_id = file_document(runtime)
    with runtime.unit_of_work() as uow:
        delete_document(uow, ADMIN, document_id)
        assert uow.session.get(Document, document_id).status == "deleted"
    assert deliveries(runtime) == []
