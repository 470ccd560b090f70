"""/api/v1/admin/webhooks: receivers of document events and their deliveries (administrators).

Plain views: ged.services.webhooks validates every value and names the field it refuses.
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import request

from ged.models import Webhook, WebhookDelivery
from ged.parsing import positive_int
from ged.services import webhooks
from ged.timeutil import iso
from ged.web.context import principal, uow

bp = APIBlueprint("webhooks", __name__, url_prefix="/api/v1/admin/webhooks", tag="Webhooks")


@bp.get("")
@bp.doc(summary="Every webhook (never its secret)")
def list_webhooks():
    return {
        "webhooks": [_webhook_json(hook) for hook in webhooks.list_webhooks(uow(), principal())]
    }


@bp.post("")
@bp.doc(
    summary='Register a webhook: JSON {"url", "events", "description"?}; '
    "its signing secret is shown once"
)
def create_webhook():
    body = request.get_json(silent=True)
    body = body if isinstance(body, dict) else {}
    hook = webhooks.create_webhook(
        uow(), principal(), body.get("url"), body.get("events"), body.get("description")
    )
    return {**_webhook_json(hook), "secret": hook.secret}, 201


@bp.delete("/<int:webhook_id>")
@bp.doc(summary="Deactivate a webhook: nothing more is sent to it")
def deactivate_webhook(webhook_id: int):
    webhooks.deactivate_webhook(uow(), principal(), webhook_id)
    return "", 204


@bp.get("/<int:webhook_id>/deliveries")
@bp.doc(summary="A webhook's deliveries, newest first (?status=pending|delivered|failed, ?limit=)")
def list_deliveries(webhook_id: int):
    found = webhooks.list_deliveries(
        uow(),
        principal(),
        webhook_id,
        status=request.args.get("status"),
        limit=positive_int(request.args.get("limit"), "limit"),
    )
    return {"deliveries": [_delivery_json(delivery) for delivery in found]}


@bp.post("/<int:webhook_id>/deliveries/<int:delivery_id>/retry")
@bp.doc(summary="Attempt a failed delivery once more, now")
def retry_delivery(webhook_id: int, delivery_id: int):
    delivery = webhooks.retry_delivery(uow(), principal(), webhook_id, delivery_id)
    return _delivery_json(delivery), 202


def _webhook_json(hook: Webhook) -> dict:
    return {
        "id": hook.id,
        "url": hook.url,
        "events": hook.events,
        "description": hook.description,
        "active": hook.active,
        "created_at": iso(hook.created_at),
        "created_by": hook.created_by.username if hook.created_by else None,
    }


def _delivery_json(delivery: WebhookDelivery) -> dict:
    return {
        "id": delivery.id,
        "webhook_id": delivery.webhook_id,
        "event": delivery.event,
        "document_id": delivery.document_id,
        "status": delivery.status,
        "attempts": delivery.attempts,
        "last_attempt_at": iso(delivery.last_attempt_at),
        "last_status_code": delivery.last_status_code,
        "last_error": delivery.last_error,
        "next_attempt_at": iso(delivery.next_attempt_at),
        "delivered_at": iso(delivery.delivered_at),
        "created_at": iso(delivery.created_at),
        "payload": delivery.payload,
    }
