"""Webhooks: administrators register receivers; documents' changes become deliveries to them.

A change that an integration may hear of (a version's pipeline ending done or failed, a
document deleted) writes one WebhookDelivery per active webhook subscribed to its event,
in the transaction of the change itself, and queues it once committed: a delivery exists
exactly when its change does. Sending, retrying and recovering deliveries is
ged.services.webhook_deliveries' work.

The secret of a webhook is shown once, at creation, and kept in clear: signing each
delivery (HMAC-SHA256) needs the key itself, so it cannot be hashed like an API token.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ged.access import Principal, authorize
from ged.audit.chain import record
from ged.errors import Conflict, InvalidInput, NotFound
from ged.models import (
    DELIVERY_STATUSES,
    UNFINISHED_STATUSES,
    WEBHOOK_EVENTS,
    Document,
    Version,
    Webhook,
    WebhookDelivery,
)
from ged.services.paging import Page, PageOf, paginate
from ged.timeutil import iso
from ged.uow import UnitOfWork

SECRET_PREFIX = "whsec_"
MAX_URL_LENGTH = 2000
MAX_DESCRIPTION_LENGTH = 500
#: why a delivery was never sent: its webhook was deactivated while it waited
DEACTIVATED = "not sent: the webhook was deactivated"


def create_webhook(
    uow: UnitOfWork,
    principal: Principal,
    url: str,
    events: Sequence[str],
    description: str | None = "",
) -> Webhook:
    """Register a receiver of ``events`` at ``url``. Its ``secret`` is readable on the
    returned webhook: show it now, the API never shows it again."""
    authorize(principal, "webhook.create")
    webhook = Webhook(
        url=clean_url(url),
        events=clean_events(events),
        description=_clean_description(description),
        secret=SECRET_PREFIX + secrets.token_urlsafe(32),
        created_by_id=principal.user_id,
    )
    session = uow.session
    session.add(webhook)
    session.flush()
    record(
        session,
        principal,
        "webhook.create",
        object_type="webhook",
        object_id=webhook.id,
        details={"url": webhook.url, "events": webhook.events, "description": webhook.description},
    )
    uow.commit()
    return webhook


def list_webhooks(
    uow: UnitOfWork, principal: Principal, page: Page | None = None
) -> PageOf[Webhook]:
    """The webhooks, deactivated ones included, oldest first."""
    authorize(principal, "webhook.list")
    return paginate(uow.session, select(Webhook).order_by(Webhook.id), page)


def deactivate_webhook(uow: UnitOfWork, principal: Principal, webhook_id: int) -> Webhook:
    """Send nothing more to the webhook; its waiting deliveries end failed, unsent. Kept,
    not deleted, so that its deliveries still say where they went."""
    authorize(principal, "webhook.deactivate")
    session = uow.session
    webhook = _webhook(session, webhook_id)
    if webhook.active:
        webhook.active = False
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.webhook_id == webhook.id, WebhookDelivery.status == "pending")
            .values(status="failed", next_attempt_at=None, last_error=DEACTIVATED)
        )
        record(
            session,
            principal,
            "webhook.deactivate",
            object_type="webhook",
            object_id=webhook.id,
            details={"url": webhook.url},
        )
        uow.commit()
    return webhook


def list_deliveries(
    uow: UnitOfWork,
    principal: Principal,
    webhook_id: int,
    status: str | None = None,
    page: Page | None = None,
) -> PageOf[WebhookDelivery]:
    """The webhook's deliveries, newest first, optionally only those in ``status``."""
    authorize(principal, "webhook.deliveries")
    webhook = _webhook(uow.session, webhook_id)
    query = select(WebhookDelivery).where(WebhookDelivery.webhook_id == webhook.id)
    if status is not None:
        if status not in DELIVERY_STATUSES:
            known = ", ".join(DELIVERY_STATUSES)
            raise InvalidInput(f"status must be one of {known}, not {status!r}", field="status")
        query = query.where(WebhookDelivery.status == status)
    return paginate(uow.session, query.order_by(WebhookDelivery.id.desc()), page)


def retry_delivery(
    uow: UnitOfWork, principal: Principal, webhook_id: int, delivery_id: int
) -> WebhookDelivery:
    """Give a failed delivery one more attempt, now (its receiver is back, say)."""
    authorize(principal, "webhook.retry")
    session = uow.session
    webhook = _webhook(session, webhook_id)
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.webhook_id != webhook.id:
        raise NotFound(f"webhook {webhook_id} has no delivery {delivery_id}")
    if not webhook.active:
        raise Conflict(
            f"webhook {webhook_id} is deactivated and is sent nothing; "
            "register its URL again to receive new events"
        )
    if delivery.status != "failed":
        raise Conflict(
            f"delivery {delivery_id} is {delivery.status}: only a failed delivery can be retried"
        )
    delivery.status = "pending"
    delivery.next_attempt_at = uow.clock.now()
    record(
        session,
        principal,
        "webhook.retry",
        object_type="webhook",
        object_id=webhook.id,
        details={"delivery": delivery.id, "attempts": delivery.attempts},
    )
    uow.enqueue_delivery(delivery.id)
    uow.commit()
    return delivery


def emit_document_event(
    uow: UnitOfWork, event: str, document: Document, version: Version | None = None
) -> list[WebhookDelivery]:
    """Write a delivery of ``event`` about ``document`` (and ``version``, by default its
    current one) for every active webhook subscribed to it, in the caller's transaction;
    each is queued once the caller commits. The caller records its own audit event."""
    session = uow.session
    active = session.scalars(select(Webhook).where(Webhook.active.is_(True)).order_by(Webhook.id))
    webhooks = [webhook for webhook in active if event in webhook.events]
    if not webhooks:
        return []
    now = uow.clock.now()
    deliveries = [
        WebhookDelivery(
            webhook=webhook,
            event=event,
            document_id=document.id,
            payload={},
            status="pending",
            next_attempt_at=now,
        )
        for webhook in webhooks
    ]
    session.add_all(deliveries)
    session.flush()  # the ids, which the payloads carry
    about = _document_payload(session, document, version)
    for delivery in deliveries:
        delivery.payload = {
            "event": event,
            "occurred_at": iso(now),
            "delivery_id": delivery.id,
            **about,
        }
        uow.enqueue_delivery(delivery.id)
    return deliveries


def clean_url(url: str) -> str:
    """An absolute http(s) URL with a host and no credentials, or InvalidInput naming url."""
    example = "such as https://example.org/hooks/ged"
    if not isinstance(url, str) or not url.strip():
        raise InvalidInput(
            f"url is required: the http:// or https:// address deliveries are sent to, {example}",
            field="url",
        )
    url = url.strip()
    if len(url) > MAX_URL_LENGTH:
        raise InvalidInput(f"url is longer than {MAX_URL_LENGTH} characters", field="url")
    if any(char.isspace() or not char.isprintable() for char in url):
        raise InvalidInput("url must not contain spaces or control characters", field="url")
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise InvalidInput(
            f"url must be an absolute http:// or https:// URL, {example}, not {url!r}",
            field="url",
        )
    if parts.username is not None or parts.password is not None:
        raise InvalidInput(
            "url must not carry a user name or password: receivers check the "
            "X-Ged-Signature header instead",
            field="url",
        )
    try:
        parts.port  # noqa: B018 - parsing the port is what raises for a bad one
    except ValueError:
        raise InvalidInput(f"url has an invalid port: {url!r}", field="url") from None
    if parts.fragment:
        raise InvalidInput("url must not end with a #fragment: it is never sent", field="url")
    return url


def clean_events(events: Sequence[str]) -> list[str]:
    """The events, known and without repeats, sorted; or InvalidInput naming events."""
    known = ", ".join(WEBHOOK_EVENTS)
    if (
        not isinstance(events, list | tuple)
        or not events
        or not all(isinstance(event, str) for event in events)
    ):
        raise InvalidInput(f"events must be a non-empty list among {known}", field="events")
    unknown = sorted(set(events) - set(WEBHOOK_EVENTS))
    if unknown:
        named = ", ".join(repr(event) for event in unknown)
        raise InvalidInput(
            f"events holds unknown event(s) {named}: choose among {known}", field="events"
        )
    return sorted(set(events))


def _clean_description(description: str | None) -> str:
    if description is None:
        return ""
    if not isinstance(description, str) or len(description) > MAX_DESCRIPTION_LENGTH:
        raise InvalidInput(
            f"description must be text of at most {MAX_DESCRIPTION_LENGTH} characters",
            field="description",
        )
    return description.strip()


def _webhook(session: Session, webhook_id: int) -> Webhook:
    webhook = session.get(Webhook, webhook_id)
    if webhook is None:
        raise NotFound(f"no webhook with id {webhook_id}")
    return webhook


def _document_payload(
    session: Session, document: Document, version: Version | None
) -> dict[str, Any]:
    """What a delivery says of the document: its metadata and state, never its text or
    extracted values (the receiver is an integration, not a reader)."""
    current = session.scalars(
        select(Version).where(
            Version.document_id == document.id, Version.number == document.current_version
        )
    ).one()
    return {
        "document": {
            "id": document.id,
            "title": document.title,
            "document_type": document.document_type.code if document.document_type else None,
            "unit": document.unit.name if document.unit else None,
            "tags": [tag.name for tag in document.tags],
            "document_date": document.document_date.isoformat() if document.document_date else None,
            "status": _public_status(current),
            "error": current.error,
            "needs_review": document.needs_review,
            "current_version": document.current_version,
            "deleted": document.status == "deleted",
            "created_at": iso(document.created_at),
            "updated_at": iso(document.updated_at),
        },
        "version": _version_payload(version or current),
    }


def _version_payload(version: Version) -> dict[str, Any]:
    return {
        "number": version.number,
        "status": _public_status(version),
        "error": version.error,
        "mime_type": version.mime_type,
        "filename": version.filename,
        "size": version.size,
        "sha256": version.blob_sha256,
        "page_count": version.page_count,
        "created_at": iso(version.created_at),
    }


def _public_status(version: Version) -> str:
    """As the API shows it: a version still in the pipeline is "processing"."""
    return "processing" if version.status in UNFINISHED_STATUSES else version.status
