"""Keeping the search index in step with the database, its source of truth: what the index
holds for a document, refreshing one document, rebuilding the whole index.

The index is derived: everything here reads the database and writes through the
SearchIndex port (``uow.index``), which raises ged's errors. ServiceUnavailable (OpenSearch
down) propagates, so that a job retries and the pipeline keeps its version for later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, or_, select, update
from sqlalchemy.orm import Session, joinedload

from ged.access import Principal, authorize
from ged.audit.chain import record
from ged.models import FINISHED_STATUSES, Document, Grant, Note, Page, Tag, Version
from ged.models.documents import document_tags
from ged.ports import Progress
from ged.timeutil import aware, iso
from ged.uow import UnitOfWork

log = logging.getLogger(__name__)

#: documents read per database round trip while rebuilding
BATCH = 500
METADATA_KEYS = ("siret", "siren", "iban", "references", "amounts", "dates")


def revision(document: Document) -> int:
    """A number that grows with every change of the document: the index keeps the newest."""
    return int(aware(document.updated_at).timestamp() * 1_000_000)


def document_for_index(session: Session, document: Document) -> dict[str, Any]:
    return documents_for_index(session, [document])[0]


def documents_for_index(session: Session, documents: Sequence[Document]) -> list[dict[str, Any]]:
    """The index bodies of ``documents``, in their order, read with the same few queries
    whatever their number: the rebuild builds thousands at a time.

    Each query reads the range of their ids, not a list of them: a list of 500 ids made
    every query text new to the driver and cost more to send than to run. Meant for one
    document or a run of consecutive ids; rows of the other documents in the range (those
    deleted) are read and left out."""
    first, last = min(d.id for d in documents), max(d.id for d in documents)
    ids = Document.id.between(first, last)
    current = and_(Version.document_id == Document.id, Version.number == Document.current_version)
    versions = {
        row.document_id: row
        for row in session.execute(
            select(Version.id, Version.document_id, Version.number, Version.mime_type)
            .join(Document, current)
            .where(ids)
        )
    }
    pages = _grouped(
        session.execute(
            select(Page.version_id, Page.number, Page.text)
            .join(Version, Page.version_id == Version.id)
            .join(Document, current)
            .where(ids)
            .order_by(Page.version_id, Page.number)
        ),
        lambda page: {"number": page.number, "text": page.text},
    )
    notes = _grouped(
        session.execute(
            select(Note.document_id, Note.body)
            .join(Document, Note.document_id == Document.id)
            .where(ids)
            .order_by(Note.id)
        ),
        lambda note: note.body,
    )
    tags = _grouped(
        session.execute(
            select(document_tags.c.document_id, Tag.name)
            .join(Tag, Tag.id == document_tags.c.tag_id)
            .join(Document, document_tags.c.document_id == Document.id)
            .where(ids)
            .order_by(Tag.name)
        ),
        lambda tag: tag.name,
    )
    acl = _readers(session, documents, Grant.document_id.between(first, last))
    bodies = []
    for document in documents:
        version = versions[document.id]
        extracted = document.extracted or {}
        bodies.append(
            {
                "id": document.id,
                "revision": revision(document),
                "title": document.title,
                "document_type": document.document_type.code if document.document_type else None,
                "unit": document.unit.name if document.unit else None,
                "tags": tags.get(document.id, []),
                "mime_type": version.mime_type,
                "status": document.status,
                "document_date": (
                    document.document_date.isoformat() if document.document_date else None
                ),
                "created_at": iso(document.created_at),
                "version": version.number,
                "acl": acl[document.id],
                "pages": pages.get(version.id, []),
                "metadata": {key: extracted.get(key, []) for key in METADATA_KEYS},
                "notes": notes.get(document.id, []),
            }
        )
    return bodies


def _readers(
    session: Session, documents: Sequence[Document], on_documents: ColumnElement[bool]
) -> dict[int, list[str]]:
    """Per document, the ACL keys (``user:N``, ``group:N``) of everyone granted at least
    read on it, directly (the grants ``on_documents`` selects) or through its unit when
    it inherits.

    Admins and archivists are not listed: their searches are not filtered."""
    inheriting = {d.id: d.unit_id for d in documents if d.inherit_acl and d.unit_id is not None}
    grants = session.execute(
        select(Grant.document_id, Grant.unit_id, Grant.user_id, Grant.group_id).where(
            or_(on_documents, Grant.unit_id.in_(set(inheriting.values())))
        )
    ).all()

    def key(grant: Any) -> str:
        return f"user:{grant.user_id}" if grant.user_id is not None else f"group:{grant.group_id}"

    direct = _grouped(grants, key, by=lambda grant: grant.document_id)
    inherited = _grouped(grants, key, by=lambda grant: grant.unit_id)
    return {
        d.id: sorted({*direct.get(d.id, []), *inherited.get(inheriting.get(d.id), [])})
        for d in documents
    }


def _grouped(
    rows: Iterable[Any],
    value: Callable[[Any], Any],
    by: Callable[[Any], Any] = lambda row: row[0],
) -> dict[Any, list[Any]]:
    """``value`` of each row, in the rows' order, listed under ``by`` of the row (its
    first column unless told); rows whose ``by`` is None are left out."""
    grouped: dict[Any, list[Any]] = {}
    for row in rows:
        if (group := by(row)) is not None:
            grouped.setdefault(group, []).append(value(row))
    return grouped


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
    # The documents there now; those created later are indexed by their own pipeline,
    # which writes to both indices while the rebuild runs.
    total, last = uow.session.execute(
        select(func.count(), func.max(Document.id)).where(Document.status == "active")
    ).one()
    result = uow.index.rebuild(_documents(uow.session, last or 0), total=total, progress=progress)
    _mark_indexed(uow.session, last or 0, started)
    record(uow.session, principal, "cli.reindex", details=result)
    uow.commit()
    return result


def _documents(session: Session, last: int) -> Iterator[dict[str, Any]]:
    # Read lazily, batch by batch, each batch the next ids (keyset: no list of every id,
    # no OFFSET rescanning what was read), with a fixed number of queries per batch.
    # A document changed during the rebuild is written to both indices by the pipeline,
    # and its newer revision wins in either order.
    after = 0
    while True:
        documents = list(
            session.scalars(
                select(Document)
                .where(Document.status == "active", Document.id > after, Document.id <= last)
                .options(
                    joinedload(Document.document_type),
                    joinedload(Document.unit),
                )
                .order_by(Document.id)
                .limit(BATCH)
            )
        )
        if not documents:
            return
        after = documents[-1].id
        bodies = documents_for_index(session, documents)
        # Nothing is written yet: ending the read lets the next batch see what was committed
        # meanwhile (SQLite reads a snapshot), and keeps the identity map to one batch.
        session.rollback()
        session.expunge_all()
        yield from bodies


def _mark_indexed(session: Session, last: int, when: datetime) -> None:
    """Mark the current versions of the documents rebuilt as indexed at ``when``, in one
    statement; a version indexed since (by its pipeline, with a newer time) keeps its time."""
    rebuilt = (
        select(Document.id)
        .where(
            Document.id == Version.document_id,
            Document.current_version == Version.number,
            Document.status == "active",
            Document.id <= last,
        )
        .exists()
    )
    session.execute(
        update(Version)
        .where(rebuilt, or_(Version.indexed_at.is_(None), Version.indexed_at < when))
        .values(indexed_at=when)
        # Not the ORM's default: the criteria cannot be evaluated in Python, so it would fall
        # back to "fetch", RETURNING every id to the client (30 MiB at 100k documents, the
        # rebuild's peak RSS). The identity map holds no version to keep in step anyway.
        .execution_options(synchronize_session=False)
    )
