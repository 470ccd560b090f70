"""Delivering webhooks: one attempt at a time, signed, retried with backoff, never lost.

An attempt claims its delivery in the database (``start_attempt``), so two workers never
send it at once, and gets the signed request to send; the worker sends it (workers.webhooks)
and ``record_attempt`` writes the outcome: delivered, or the next attempt's time after the
configured backoff, or failed once [webhooks] max_attempts are spent (an administrator can
still retry it). Retries are queued by the workers' recovery sweep (``requeue_due``), which
also queues the deliveries whose job was lost (Redis flushed or down at the commit, a worker
killed mid-attempt): the database holds every delivery until it is delivered or failed.

Signature, for receivers (README, "Webhooks"): ``X-Ged-Signature: sha256=<hex>``, the
HMAC-SHA256, keyed by the webhook's secret, of ``X-Ged-Timestamp`` (Unix seconds of the
attempt), a dot, and the body's bytes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update

from ged.config import WebhookSettings
from ged.models import WebhookDelivery
from ged.services.webhooks import DEACTIVATED
from ged.uow import UnitOfWork

log = logging.getLogger(__name__)

USER_AGENT = "ged-webhooks/1"
#: a delivery due this much later by our clock is due already: the clock that set its time
#: (a web server's, another worker's) may be a little ahead of ours
CLOCK_TOLERANCE = timedelta(seconds=5)
#: an attempt not recorded this long after its job's time limit was lost with its worker
LEASE_MARGIN = timedelta(seconds=30)
#: deliveries queued at most per sweep, so that one sweep stays short
SWEEP_BATCH = 500
_LAST_ERROR_LENGTH = 500


@dataclass(frozen=True)
class Outgoing:
    """One signed request to send."""

    delivery_id: int
    url: str
    body: bytes
    headers: dict[str, str]


@dataclass(frozen=True)
class Outcome:
    """What came of an attempt: ``error`` None means delivered (a 2xx answer)."""

    status_code: int | None
    error: str | None = None


def attempt_seconds(settings: WebhookSettings) -> int:
    """The longest an attempt may run: connecting, then waiting for the answer, may each
    take the timeout; the job is stopped past this."""
    return math.ceil(settings.timeout * 2) + 10


def signature(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(
        secret.encode("utf-8"), timestamp.encode("ascii") + b"." + body, hashlib.sha256
    ).hexdigest()
    return f"sha256={digest}"


def start_attempt(uow: UnitOfWork, delivery_id: int) -> Outgoing | None:
    """Claim the delivery for one attempt and return what to send; None when there is
    nothing to send: delivered, failed, not due yet, or being attempted elsewhere."""
    session, now = uow.session, uow.clock.now()
    # Until this attempt is recorded, next_attempt_at is when it is given up for lost.
    lease = now + timedelta(seconds=attempt_seconds(uow.settings.webhooks)) + LEASE_MARGIN
    claimed = session.scalar(
        update(WebhookDelivery)
        .where(
            WebhookDelivery.id == delivery_id,
            WebhookDelivery.status == "pending",
            WebhookDelivery.next_attempt_at <= now + CLOCK_TOLERANCE,
        )
        .values(attempts=WebhookDelivery.attempts + 1, last_attempt_at=now, next_attempt_at=lease)
        .returning(WebhookDelivery.id)
    )
    if claimed is None:
        uow.rollback()
        log.info("webhook delivery %s: nothing to send now", delivery_id)
        return None
    delivery = session.get_one(WebhookDelivery, delivery_id, populate_existing=True)
    webhook = delivery.webhook
    if not webhook.active:  # never sent to a deactivated webhook, however it came to wait
        delivery.status, delivery.next_attempt_at, delivery.last_error = "failed", None, DEACTIVATED
        uow.commit()
        return None
    body = json.dumps(delivery.payload, ensure_ascii=False, separators=(",", ":")).encode()
    timestamp = str(int(now.timestamp()))
    outgoing = Outgoing(
        delivery_id=delivery.id,
        url=webhook.url,
        body=body,
        headers={
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-Ged-Event": delivery.event,
            "X-Ged-Delivery": str(delivery.id),
            "X-Ged-Timestamp": timestamp,
            "X-Ged-Signature": signature(webhook.secret, timestamp, body),
        },
    )
    uow.commit()
    return outgoing


def record_attempt(uow: UnitOfWork, delivery_id: int, outcome: Outcome) -> WebhookDelivery:
    """Write what came of the attempt started last: delivered, retried after the backoff,
    or failed once every attempt is spent."""
    settings, now = uow.settings.webhooks, uow.clock.now()
    delivery = uow.session.get_one(WebhookDelivery, delivery_id)
    delivery.last_status_code = outcome.status_code
    delivery.last_error = outcome.error[:_LAST_ERROR_LENGTH] if outcome.error else None
    if outcome.error is None:
        # Whatever happened meanwhile (deactivated mid-attempt): the receiver has it.
        delivery.status, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
    elif delivery.status == "pending":
        if delivery.attempts >= settings.max_attempts:
            delivery.status, delivery.next_attempt_at = "failed", None
        else:
            delay = settings.backoff[min(delivery.attempts, len(settings.backoff)) - 1]
            delivery.next_attempt_at = now + timedelta(seconds=delay)
    uow.commit()
    log.log(
        logging.INFO if outcome.error is None else logging.WARNING,
        "webhook delivery %s, attempt %s: %s",
        delivery_id,
        delivery.attempts,
        outcome.error or "delivered",
    )
    return delivery


def due_deliveries(uow: UnitOfWork, now: datetime | None = None) -> list[int]:
    """Pending deliveries whose next attempt is due (retries, lost jobs, dead attempts)."""
    now = now or uow.clock.now()
    query = select(WebhookDelivery.id).where(
        WebhookDelivery.status == "pending", WebhookDelivery.next_attempt_at <= now
    )
    return list(uow.session.scalars(query.order_by(WebhookDelivery.id).limit(SWEEP_BATCH)))


def requeue_due(uow: UnitOfWork) -> list[int]:
    """Queue an attempt of every due delivery whose job is not already waiting; return them."""
    due = due_deliveries(uow)
    waiting = uow.jobs.waiting_deliveries(due)
    queued = [delivery_id for delivery_id in due if delivery_id not in waiting]
    for delivery_id in queued:
        uow.enqueue_delivery(delivery_id)
    uow.commit()
    if queued:
        log.info("queued %d webhook delivery attempt(s): %s", len(queued), queued)
    return queued
