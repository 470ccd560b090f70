"""What the search index holds for a document, built from the database (the source of truth)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from ged.models import Document, Grant, Version
from ged.timeutil import aware, iso


def readers(session: Session, document: Document) -> list[str]:
    """ACL keys (``user:N``, ``group:N``) of everyone granted at least read on the document.

    Admins and archivists are not listed: their searches are not filtered."""
    conditions = [Grant.document_id == document.id]
    if document.inherit_acl and document.unit_id is not None:
        conditions.append(Grant.unit_id == document.unit_id)
    grants = session.scalars(select(Grant).where(or_(*conditions)))
    return sorted(
        {f"user:{g.user_id}" if g.user_id is not None else f"group:{g.group_id}" for g in grants}
    )


def revision(document: Document) -> int:
    """A number that grows with every change of the document: the index keeps the newest."""
    return int(aware(document.updated_at).timestamp() * 1_000_000)


def document_for_index(session: Session, document: Document) -> dict[str, Any]:
    current: Version = session.scalars(
        select(Version).where(
            Version.document_id == document.id, Version.number == document.current_version
        )
    ).one()
    extracted = document.extracted or {}
    return {
        "id": document.id,
        "revision": revision(document),
        "title": document.title,
        "document_type": document.document_type.code if document.document_type else None,
        "unit": document.unit.name if document.unit else None,
        "tags": [tag.name for tag in document.tags],
        "mime_type": current.mime_type,
        "status": document.status,
        "document_date": document.document_date.isoformat() if document.document_date else None,
        "created_at": iso(document.created_at),
        "version": current.number,
        "acl": readers(session, document),
        "pages": [{"number": page.number, "text": page.text} for page in current.pages],
        "metadata": {
            key: extracted.get(key, [])
            for key in ("siret", "siren", "iban", "references", "amounts", "dates")
        },
    }
