"""/api/v1/admin/webhooks: receivers of document events and their deliveries (administrators)."""

from __future__ import annotations

from apiflask import APIBlueprint

from ged.services import webhooks
from ged.services.paging import Page
from ged.web.api.contract import errors
from ged.web.api.paging import LINKS, paged
from ged.web.api.schemas.common import PageQuery
from ged.web.api.schemas.webhooks import (
    CreatedWebhook,
    DeliveryOut,
    DeliveryPage,
    DeliveryQuery,
    NewWebhook,
    WebhookOut,
    WebhookPage,
)
from ged.web.context import principal, uow

bp = APIBlueprint("webhooks", __name__, url_prefix="/api/v1/admin/webhooks", tag="Webhooks")


@bp.get("")
@bp.input(PageQuery, location="query")
@bp.output(WebhookPage, description="one page of webhooks (never their secret)", headers=LINKS)
@bp.doc(summary="Webhooks", responses=errors(403))
def list_webhooks(query_data: PageQuery):
    found = webhooks.list_webhooks(uow(), principal(), Page(query_data.page, query_data.size))
    return paged(found, "webhooks", [WebhookOut.of(hook) for hook in found.items])


@bp.post("")
@bp.input(NewWebhook, location="json")
@bp.output(CreatedWebhook, status_code=201, description="registered; its secret is shown once")
@bp.doc(summary="Register a webhook", responses=errors(403))
def create_webhook(json_data: NewWebhook):
    hook = webhooks.create_webhook(
        uow(), principal(), json_data.url, json_data.events, json_data.description
    )
    return CreatedWebhook(**WebhookOut.of(hook).model_dump(), secret=hook.secret)


@bp.delete("/<int:webhook_id>")
@bp.output({}, status_code=204, description="deactivated")
@bp.doc(summary="Deactivate a webhook: nothing more is sent to it", responses=errors(403, 404))
def deactivate_webhook(webhook_id: int):
    webhooks.deactivate_webhook(uow(), principal(), webhook_id)
    return ""


@bp.get("/<int:webhook_id>/deliveries")
@bp.input(DeliveryQuery, location="query")
@bp.output(DeliveryPage, description="one page of deliveries, newest first", headers=LINKS)
@bp.doc(summary="A webhook's deliveries", responses=errors(403, 404))
def list_deliveries(webhook_id: int, query_data: DeliveryQuery):
    page = Page(query_data.page, query_data.size)
    found = webhooks.list_deliveries(uow(), principal(), webhook_id, query_data.status, page)
    return paged(found, "deliveries", [DeliveryOut.of(delivery) for delivery in found.items])


@bp.post("/<int:webhook_id>/deliveries/<int:delivery_id>/retry")
@bp.output(DeliveryOut, status_code=202, description="queued for one more attempt")
@bp.doc(summary="Attempt a failed delivery once more, now", responses=errors(403, 404, 409))
def retry_delivery(webhook_id: int, delivery_id: int):
    return DeliveryOut.of(webhooks.retry_delivery(uow(), principal(), webhook_id, delivery_id)), 202
