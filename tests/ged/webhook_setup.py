"""What the webhook tests share: an administrator, documents, deliveries to look at."""

from __future__ import annotations

import io
from collections.abc import Iterator

from rq import Queue
from sqlalchemy import select

from ged.access import command_line, principal_for
from ged.bootstrap import Runtime, build
from ged.models import User, WebhookDelivery
from ged.services import webhooks
from ged.services.documents import Metadata, Upload, create_document, delete_document
from ged.services.users import create_user
from tests.migrated import migrate

ADMIN = command_line()
TEXT = "Arrêté portant sur la voirie communale, texte confidentiel."


def runtime_on(request, make_settings, **sections: dict) -> Iterator[Runtime]:
    """A runtime on ``request.param``'s database ("sqlite" or "postgresql", of the test's own)."""
    if request.param == "postgresql":
        sections["database"] = {"url": request.getfixturevalue("fresh_postgres_url")}
    settings = make_settings(**sections)
    migrate(settings.database.url)
    built = build(settings)
    yield built
    built.close()


def queued(runtime: Runtime, redis_client) -> list[str]:
    return Queue(runtime.settings.redis.queue, connection=redis_client).get_job_ids()


def register(runtime: Runtime, *events: str, url: str = "http://127.0.0.1:9/hooks") -> int:
    with runtime.unit_of_work() as uow:
        return webhooks.create_webhook(uow, ADMIN, url, list(events) or ["document.deleted"]).id


def file_document(runtime: Runtime) -> int:
    """A document filed by an archivist (the command line files nothing: it is no account)."""
    with runtime.unit_of_work() as uow:
        filer = uow.session.scalars(select(User).where(User.username == "archiviste")).first()
        if filer is None:
            filer = create_user(uow, ADMIN, "archiviste", "archivist", "un mot de passe sûr")
        upload = Upload(io.BytesIO(TEXT.encode()), "arrete.txt")
        version = create_document(
            uow, principal_for(filer), upload, Metadata(title="Arrêté voirie")
        )
        return version.document_id


def deliveries(runtime: Runtime) -> list[WebhookDelivery]:
    with runtime.unit_of_work() as uow:
        return list(uow.session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.id)))


def deleted_document_delivery(runtime: Runtime) -> tuple[int, int]:
    """A webhook of document.deleted, and its pending delivery of a document just deleted."""
    webhook_id = register(runtime, "document.deleted")
    document_id = file_document(runtime)
    with runtime.unit_of_work() as uow:
        delete_document(uow, ADMIN, document_id)
    (delivery,) = deliveries(runtime)
    return webhook_id, delivery.id
