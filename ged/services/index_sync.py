"""Keeping the search index in step with the database, its source of truth: what the index
holds for a document, refreshing one document, rebuilding the whole index.

The index is derived: everything here reads the database and writes through the
SearchIndex port (``uow.index``), which raises ged's errors. ServiceUnavailable (OpenSearch
down) propagates, so that a job retries and the pipeline keeps its version for later.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, selectinload

from ged.access import Principal, authorize
from ged.audit.chain import record
from ged.models import FINISHED_STATUSES, Document, Grant, Note, Version
from ged.ports import Progress
from ged.timeutil import aware, iso
from ged.uow import UnitOfWork

log = logging.getLogger(__name__)

#: documents read per database round trip while rebuilding
BATCH = 200
METADATA_KEYS = ("siret", "siren", "iban", "references", "amounts", "dates")


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
        "metadata": {key: extracted.get(key, []) for key in METADATA_KEYS},
        "notes": list(
            session.scalars(
                select(Note.body).where(Note.document_id == document.id).order_by(Note.id)
            )
        ),
    }


def refresh_document(uow: UnitOfWork, document_id: int) -> None:
    """Put the document as the database has it now into the index (or take it out if
    deleted), then mark its current version indexed. A document gone is nothing to do."""
    document = uow.session.get(Document, document_id)
    if document is None:
        return
    put_in_index(uow, document)
    uow.commit()


def put_in_index(uow: UnitOfWork, document: Document) -> None:
    """Index (or delete, once deleted or destroyed) ``document`` and mark its current version
    indexed, uncommitted: the pipeline commits it together with the name of its step."""
    if document.status != "active":
        uow.index.delete([(document.id, revision(document))])
    else:
        uow.index.index([document_for_index(uow.session, document)])
    # The time of the change indexed, not the time of indexing: an entry is stale exactly
    # when the document changed after it (stale_entries), whatever the jobs' order.
    uow.session.execute(
        update(Version)
        .where(Version.document_id == document.id, Version.number == document.current_version)
        .values(indexed_at=document.updated_at)
    )


def stale_entries(uow: UnitOfWork, changed_before: datetime | None = None) -> list[int]:
    """Documents changed since their index entry was written, whose pipeline has finished
    (it indexes the others itself): their refresh job was lost, Redis being down when the
    change was committed. ``changed_before`` leaves recent changes to their own job."""
    current = and_(Version.document_id == Document.id, Version.number == Document.current_version)
    query = (
        select(Document.id)
        .join(Version, current)
        .where(Version.status.in_(FINISHED_STATUSES), Version.indexed_at < Document.updated_at)
    )
    if changed_before is not None:
        query = query.where(Document.updated_at < changed_before)
    return list(uow.session.scalars(query.order_by(Document.id)))


def requeue_stale_entries(uow: UnitOfWork, changed_before: datetime) -> list[int]:
    """Queue a refresh of every stale index entry (the workers' recovery sweep)."""
    stale = stale_entries(uow, changed_before)
    if stale:
        log.warning("refreshing %d stale index entr(ies): %s", len(stale), stale)
        uow.refresh_index(stale)
    uow.commit()
    return stale


def rebuild_index(
    uow: UnitOfWork, principal: Principal, progress: Progress | None = None
) -> dict[str, Any]:
    """Build a new index from every active document's stored text (no OCR), then swap the
    alias; searches keep using the old index until then. Returns the rebuild's result
    ({"index", "indexed", "stale"}), also recorded as the ``cli.reindex`` event's details."""
    authorize(principal, "index.rebuild")
    started = uow.clock.now()
    ids = list(
        uow.session.scalars(
            select(Document.id).where(Document.status == "active").order_by(Document.id)
        )
    )
    result = uow.index.rebuild(_documents(uow.session, ids), total=len(ids), progress=progress)
    _mark_indexed(uow.session, ids, started)
    record(uow.session, principal, "cli.reindex", details=result)
    uow.commit()
    return result


def _documents(session: Session, ids: list[int]) -> Iterator[dict[str, Any]]:
    # Read lazily, batch by batch: a document changed during the rebuild is written to
    # both indices by the pipeline, and its newer revision wins in either order.
    for start in range(0, len(ids), BATCH):
        documents = session.scalars(
            select(Document)
            .where(Document.id.in_(ids[start : start + BATCH]), Document.status == "active")
            .options(selectinload(Document.tags), selectinload(Document.versions))
            .order_by(Document.id)
        )
        yield from [document_for_index(session, document) for document in documents]
        # Nothing is written yet: ending the read lets the next batch see what was committed
        # meanwhile (SQLite reads a snapshot), and keeps the identity map to one batch.
        session.rollback()
        session.expunge_all()


def _mark_indexed(session: Session, ids: list[int], when: datetime) -> None:
    current = (
        select(Document.current_version).where(Document.id == Version.document_id).scalar_subquery()
    )
    for start in range(0, len(ids), BATCH):
        session.execute(
            update(Version)
            .where(Version.document_id.in_(ids[start : start + BATCH]), Version.number == current)
            .values(indexed_at=when)
        )
