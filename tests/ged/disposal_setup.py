"""What the disposal tests share: a runtime with an audit key, people, and documents made due
directly (a RetentionRule row and the document's rule and due date: the rules service is
tested on its own)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from ged.access import Principal, command_line, principal_for
from ged.audit.seal import generate_key
from ged.bootstrap import Runtime, build
from ged.config import Settings
from ged.models import Document, DocumentType, LegalHold, RetentionRule, legal_hold_documents
from ged.services.documents import Metadata, Upload, create_document
from ged.services.users import create_user
from ged.timeutil import today
from search.client import make_client
from tests.migrated import migrate

PASSWORD = "mot de passe de test"


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request, make_settings, redis_client) -> Iterator[Runtime]:
    """A process's runtime on a database of its own, with an audit signing key."""
    sections: dict = {}
    if request.param == "postgresql":
        sections["database"] = {"url": request.getfixturevalue("fresh_postgres_url")}
    settings: Settings = make_settings(**sections)
    migrate(settings.database.url)
    generate_key(settings.audit.key_file)
    runtime = build(settings)
    yield runtime
    runtime.close()
    client = make_client(settings.opensearch.urls)
    client.indices.delete(index=f"{settings.opensearch.index_prefix}-*", ignore_unavailable=True)
    client.close()


@dataclass(frozen=True)
class People:
    archivist: Principal
    authority: Principal
    agent: Principal


@pytest.fixture
def people(runtime: Runtime) -> People:
    operator = command_line()
    found = {}
    for name, role in [
        ("archives", "archivist"),
        ("visa", "archives_authority"),
        ("agent", "agent"),
    ]:
        with runtime.unit_of_work() as uow:
            found[name] = principal_for(create_user(uow, operator, name, role, PASSWORD))
    return People(found["archives"], found["visa"], found["agent"])


def file(runtime: Runtime, who: Principal, content: bytes, title: str = "Facture") -> int:
    with runtime.unit_of_work() as uow:
        upload = Upload(io.BytesIO(content), "facture.txt")
        return create_document(uow, who, upload, Metadata(title=title)).document_id


def make_due(
    runtime: Runtime, document_id: int, final_action: str = "destroy", days_ago: int = 1
) -> int:
    """Give the document a rule ending in ``final_action`` whose period ended ``days_ago``
    days ago (negative: still running); the rule's id."""
    with runtime.unit_of_work() as uow:
        session = uow.session
        type_id = session.scalar(select(DocumentType.id).where(DocumentType.code == "facture"))
        rule = RetentionRule(
            document_type_id=type_id,
            duration_years=10,
            start_event="document_date",
            final_action=final_action,
            reference=f"TG 1.{final_action}",
        )
        session.add(rule)
        session.flush()
        session.execute(
            update(Document)
            .where(Document.id == document_id)
            .values(
                retention_rule_id=rule.id,
                due_date=today() - timedelta(days=days_ago),
                revision=Document.revision + 1,
            )
        )
        uow.commit()
        return rule.id


def hold(runtime: Runtime, document_id: int, ends_on: date | None = None) -> None:
    with runtime.unit_of_work() as uow:
        placed = LegalHold(reason="contentieux", ends_on=ends_on)
        uow.session.add(placed)
        uow.session.flush()
        uow.session.execute(
            legal_hold_documents.insert().values(hold_id=placed.id, document_id=document_id)
        )
        uow.commit()
