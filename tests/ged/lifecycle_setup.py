"""What the lifecycle tests share: a runtime on SQLite or PostgreSQL (its services commit),
people of each role, and documents filed with a type, a unit and a date."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date

import pytest
from sqlalchemy import select

from ged.access import Principal, command_line, principal_for
from ged.bootstrap import Runtime, build
from ged.models import AuditEvent, Document
from ged.services.documents import Metadata, Upload, create_document
from ged.services.users import create_unit, create_user
from tests.migrated import migrate

PASSWORD = "mot de passe de test"


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request, make_settings, redis_client) -> Iterator[Runtime]:
    sections: dict = {}
    if request.param == "postgresql":
        sections["database"] = {"url": request.getfixturevalue("fresh_postgres_url")}
    settings = make_settings(**sections)
    migrate(settings.database.url)
    runtime = build(settings)
    yield runtime
    runtime.close()


@dataclass(frozen=True)
class People:
    admin: Principal
    archivist: Principal
    agent: Principal
    auditor: Principal


@pytest.fixture
def people(runtime: Runtime) -> People:
    """One of each role, and units Urbanisme and Finances."""
    operator = command_line()
    for name in ("Urbanisme", "Finances"):
        with runtime.unit_of_work() as uow:
            create_unit(uow, operator, name)
    found = {}
    for name, role in [
        ("chef", "admin"),
        ("archives", "archivist"),
        ("agent", "agent"),
        ("controle", "auditor"),
    ]:
        with runtime.unit_of_work() as uow:
            found[role] = principal_for(create_user(uow, operator, name, role, PASSWORD))
    return People(**found)


def file(
    runtime: Runtime,
    who: Principal,
    document_type: str | None = None,
    document_date: date | None = None,
    unit: str | None = None,
    title: str = "pièce",
) -> int:
    metadata = Metadata(
        title=title, document_type=document_type, unit=unit, document_date=document_date
    )
    content = io.BytesIO(f"{title} {document_type} {document_date} {unit}".encode())
    with runtime.unit_of_work() as uow:
        return create_document(uow, who, Upload(content, "piece.txt"), metadata).document_id


def document(runtime: Runtime, document_id: int) -> Document:
    with runtime.unit_of_work() as uow:
        return uow.session.get_one(Document, document_id)


def events(runtime: Runtime, action: str) -> list[AuditEvent]:
    with runtime.unit_of_work() as uow:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        return list(uow.session.scalars(query))
