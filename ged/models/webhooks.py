"""Webhooks: URLs that integrations register to hear of documents, and each delivery to them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ged.db import Base
from ged.models.base import one_of, timestamp, utcnow
from ged.models.users import User

#: what a webhook can subscribe to
WEBHOOK_EVENTS = ("document.done", "document.failed", "document.deleted")
#: pending until a receiver answered 2xx (delivered) or every attempt was spent (failed)
DELIVERY_STATUSES = ("pending", "delivered", "failed")


class Webhook(Base):
    """A receiver an administrator registered. It is deactivated, never deleted, so that
    its deliveries keep saying where they went."""

    __tablename__ = "webhooks"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: absolute http(s) URL the deliveries are POSTed to
    url: Mapped[str] = mapped_column(String(2000))
    #: the subscribed events, a sorted subset of WEBHOOK_EVENTS
    events: Mapped[list[str]] = mapped_column(JSON)
    #: HMAC-SHA256 key of the X-Ged-Signature header, shown once at creation. Kept in clear,
    #: not hashed like API tokens: signing each delivery needs the key itself.
    secret: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(String(500), default="")
    #: false once deactivated: nothing more is sent to it
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = timestamp(default=utcnow)
    #: NULL when created from the command line
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped[User | None] = relationship()


class WebhookDelivery(Base):
    """One event for one webhook: its payload, written in the transaction of the change it
    tells of, and the outcome of the attempts to deliver it."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (one_of("status", DELIVERY_STATUSES, "known_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    webhook_id: Mapped[int] = mapped_column(ForeignKey("webhooks.id"), index=True)
    #: one of WEBHOOK_EVENTS
    event: Mapped[str] = mapped_column(String(50))
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), index=True)
    #: the JSON body sent, the same at every attempt
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    #: attempts started (counted when one starts, so a worker dying mid-attempt counts too)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    last_attempt_at: Mapped[datetime | None] = timestamp()
    #: HTTP status of the last answer; NULL when there was none (refused, timed out)
    last_status_code: Mapped[int | None]
    #: why the last attempt did not deliver, for people ("HTTP 500 Internal Server Error")
    last_error: Mapped[str | None] = mapped_column(String(500))
    #: while pending: when the next attempt is due; during an attempt, when it is given up
    #: for lost (its worker died) and tried again. NULL once delivered or failed.
    next_attempt_at: Mapped[datetime | None] = timestamp()
    delivered_at: Mapped[datetime | None] = timestamp()
    created_at: Mapped[datetime] = timestamp(default=utcnow)

    webhook: Mapped[Webhook] = relationship()
