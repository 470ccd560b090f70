"""Webhooks: receivers of document events, and their deliveries."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import Field, field_validator

from ged.models import WEBHOOK_EVENTS, Webhook, WebhookDelivery
from ged.timeutil import iso
from ged.web.api.schemas.common import Input, Output, Paged, PageQuery, Timestamp

# The same in Python and in JSON Schema's (ECMA) regular expressions: no \s, no flags.
_HTTP = re.compile(r"^[Hh][Tt][Tt][Pp][Ss]?://[^/]")
Event = Literal["document.done", "document.failed", "document.deleted"]
DeliveryStatus = Literal["pending", "delivered", "failed"]


class NewWebhook(Input):
    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "url": "https://parapheur.example.org/ged",
                    "events": ["document.done", "document.failed"],
                    "description": "Parapheur",
                }
            ]
        }
    }

    url: str = Field(
        min_length=1,
        max_length=2000,
        description="absolute http:// or https://",
        json_schema_extra={"pattern": _HTTP.pattern},
    )
    events: list[Event] = Field(min_length=1, max_length=len(WEBHOOK_EVENTS))
    description: str = Field("", max_length=500)

    @field_validator("url")
    @classmethod
    def _absolute_http(cls, value: str) -> str:
        if not _HTTP.match(value):
            raise ValueError("must be an absolute http:// or https:// URL")
        return value


class WebhookOut(Output):
    id: int
    url: str
    events: list[Event]
    description: str
    active: bool
    created_at: Timestamp
    created_by: str | None

    @classmethod
    def of(cls, hook: Webhook) -> WebhookOut:
        return cls(
            id=hook.id,
            url=hook.url,
            events=hook.events,  # type: ignore[arg-type]
            description=hook.description,
            active=hook.active,
            created_at=iso(hook.created_at),
            created_by=hook.created_by.username if hook.created_by else None,
        )


class CreatedWebhook(WebhookOut):
    secret: str = Field(
        description="signs every delivery (X-Ged-Signature): shown this once, keep it"
    )


class WebhookPage(Paged):
    webhooks: list[WebhookOut]


class DeliveryQuery(PageQuery):
    status: DeliveryStatus | None = None


class DeliveryOut(Output):
    id: int
    webhook_id: int
    event: Event
    document_id: int
    status: DeliveryStatus
    attempts: int
    last_attempt_at: Timestamp | None
    last_status_code: int | None
    last_error: str | None
    next_attempt_at: Timestamp | None
    delivered_at: Timestamp | None
    created_at: Timestamp
    payload: dict[str, Any] = Field(description="the JSON body sent")

    @classmethod
    def of(cls, delivery: WebhookDelivery) -> DeliveryOut:
        return cls(
            id=delivery.id,
            webhook_id=delivery.webhook_id,
            event=delivery.event,  # type: ignore[arg-type]
            document_id=delivery.document_id,
            status=delivery.status,  # type: ignore[arg-type]
            attempts=delivery.attempts,
            last_attempt_at=iso(delivery.last_attempt_at),
            last_status_code=delivery.last_status_code,
            last_error=delivery.last_error,
            next_attempt_at=iso(delivery.next_attempt_at),
            delivered_at=iso(delivery.delivered_at),
            created_at=iso(delivery.created_at),
            payload=delivery.payload,
        )


class DeliveryPage(Paged):
    deliveries: list[DeliveryOut]
