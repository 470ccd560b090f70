"""Legal holds (gels): while one is in force, none of its documents may be deleted,
purged, disposed of or lose a version, by anyone, administrators included.

Every destructive path asks ``held_document_ids`` (or ``refuse_if_held``) first; on
PostgreSQL a trigger refuses the same deletes and status changes in the database itself
(migration 5a8ffd29d413), whatever path they come from. Placing, extending and releasing
a hold are audited (``hold.place``, ``hold.add``, ``hold.release``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from ged.access import Principal, allowed, authorize, require_document
from ged.audit.chain import record
from ged.db import dialect_insert
from ged.errors import Conflict, InvalidInput, NotFound
from ged.models import Document, LegalHold, legal_hold_documents
from ged.services.paging import Page, PageOf, paginate
from ged.services.selection import count_selected, parse_selection, selected_documents
from ged.timeutil import today
from ged.uow import UnitOfWork

MAX_REASON = 2000


def in_force(on: date | None = None) -> ColumnElement[bool]:
    """SQL on LegalHold: the hold applies on day ``on`` (today, UTC): not released, and
    not past its last day."""
    day = on or today()
    return and_(
        LegalHold.released_at.is_(None), or_(LegalHold.ends_on.is_(None), LegalHold.ends_on >= day)
    )


def held_document_ids(session: Session, ids: Iterable[int]) -> set[int]:
    """Which of these documents a hold in force covers."""
    wanted = list(set(ids))
    if not wanted:
        return set()
    query = (
        select(legal_hold_documents.c.document_id)
        .join(LegalHold, LegalHold.id == legal_hold_documents.c.hold_id)
        .where(legal_hold_documents.c.document_id.in_(wanted), in_force())
    )
    return set(session.scalars(query))


def holds_on(session: Session, document_id: int) -> list[LegalHold]:
    """The holds in force on one document, oldest first."""
    query = (
        select(LegalHold)
        .join(legal_hold_documents, legal_hold_documents.c.hold_id == LegalHold.id)
        .where(legal_hold_documents.c.document_id == document_id, in_force())
        .order_by(LegalHold.id)
    )
    return list(session.scalars(query))


def refuse_if_held(session: Session, document_id: int, doing: str = "deleted") -> None:
    """Conflict naming the hold and its reason when a hold in force covers the document."""
    holds = holds_on(session, document_id)
    if holds:
        hold = holds[0]
        raise Conflict(
            f"document {document_id} cannot be {doing}: it is under legal hold {hold.id} "
            f"({hold.reason}); the hold must be released first"
        )


def place_hold(
    uow: UnitOfWork,
    principal: Principal,
    reason: str,
    selection: Mapping[str, Any],
    ends_on: date | None = None,
) -> LegalHold:
    """Hold the documents of ``selection`` ({"ids": [...]} or {"search": {...}}, as a
    bulk job takes it) for ``reason``, until released (or through ``ends_on``)."""
    authorize(principal, "hold.place")
    session = uow.session
    reason = _reason(reason, "reason")
    if ends_on is not None and ends_on < today():
        raise InvalidInput(
            f"ends_on {ends_on.isoformat()} is past: a hold ends today or later", field="ends_on"
        )
    ids = _documents(uow, principal, selection)
    hold = LegalHold(reason=reason, placed_by_id=principal.user_id, ends_on=ends_on)
    session.add(hold)
    session.flush()
    _attach(session, hold.id, ids)
    record(
        session,
        principal,
        "hold.place",
        object_type="legal_hold",
        object_id=hold.id,
        details={
            "reason": reason,
            "ends_on": ends_on.isoformat() if ends_on else None,
            "document_ids": ids,
        },
    )
    uow.commit()
    uow.session.refresh(hold, ["document_count"])
    return hold


def preview_hold(
    uow: UnitOfWork, principal: Principal, selection: Mapping[str, Any]
) -> tuple[int, int | None]:
    """How many documents ``place_hold`` would hold, and how many a search matched (None
    for ids), placing nothing: for a confirmation."""
    authorize(principal, "hold.place")
    bound = uow.settings.api.bulk_max_documents
    return count_selected(uow, principal, parse_selection(selection, bound), bound)


def add_to_hold(
    uow: UnitOfWork, principal: Principal, hold_id: int, selection: Mapping[str, Any]
) -> LegalHold:
    """Extend a hold in force to more documents (those it holds already stay once)."""
    authorize(principal, "hold.place")
    session = uow.session
    hold = _hold(session, hold_id, for_update=True)
    if not session.scalar(select(in_force()).where(LegalHold.id == hold_id)):
        raise Conflict(f"hold {hold_id} is no longer in force; place a new one")
    ids = _documents(uow, principal, selection)
    added = _attach(session, hold.id, ids)
    record(
        session,
        principal,
        "hold.add",
        object_type="legal_hold",
        object_id=hold.id,
        details={"document_ids": added},
    )
    uow.commit()
    uow.session.refresh(hold, ["document_count"])
    return hold


def release_hold(uow: UnitOfWork, principal: Principal, hold_id: int, reason: str) -> LegalHold:
    """End a hold now, saying why; its documents may be deleted again unless another
    hold covers them."""
    authorize(principal, "hold.release")
    session = uow.session
    reason = _reason(reason, "reason")
    hold = _hold(session, hold_id, for_update=True)
    if hold.released_at is not None:
        raise Conflict(f"hold {hold_id} was already released")
    hold.released_at = uow.clock.now()
    hold.released_by_id = principal.user_id
    hold.release_reason = reason
    record(
        session,
        principal,
        "hold.release",
        object_type="legal_hold",
        object_id=hold.id,
        details={"reason": reason, "document_count": hold.document_count},
    )
    uow.commit()
    return hold


def list_holds(
    uow: UnitOfWork, principal: Principal, page: Page | None = None, current: bool | None = None
) -> PageOf[LegalHold]:
    """Holds, newest first; ``current`` True: only those in force, False: only ended."""
    authorize(principal, "hold.read")
    query = select(LegalHold).order_by(LegalHold.id.desc())
    if current is not None:
        query = query.where(in_force() if current else ~in_force())
    return paginate(uow.session, query, page)


def read_hold(uow: UnitOfWork, principal: Principal, hold_id: int) -> LegalHold:
    authorize(principal, "hold.read")
    return _hold(uow.session, hold_id)


def hold_documents(
    uow: UnitOfWork, principal: Principal, hold_id: int, page: Page | None = None
) -> PageOf[Document]:
    """The documents a hold covers (those the caller may read), by id."""
    authorize(principal, "hold.read")
    _hold(uow.session, hold_id)
    query = (
        select(Document)
        .join(legal_hold_documents, legal_hold_documents.c.document_id == Document.id)
        .where(legal_hold_documents.c.hold_id == hold_id, allowed(principal, "read"))
        .order_by(Document.id)
    )
    return paginate(uow.session, query, page)


def document_holds(uow: UnitOfWork, principal: Principal, document_id: int) -> list[LegalHold]:
    """Every hold, in force or ended, that covers a document the caller may read."""
    authorize(principal, "hold.read")
    require_document(uow.session, principal, document_id, "read")
    query = (
        select(LegalHold)
        .join(legal_hold_documents, legal_hold_documents.c.hold_id == LegalHold.id)
        .where(legal_hold_documents.c.document_id == document_id)
        .order_by(LegalHold.id)
    )
    return list(uow.session.scalars(query))


def is_in_force(hold: LegalHold, on: date | None = None) -> bool:
    day = on or today()
    return hold.released_at is None and (hold.ends_on is None or hold.ends_on >= day)


def _reason(value: str, field: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput("say why (a litigation, an inquiry, a request)", field=field)
    if len(text) > MAX_REASON:
        raise InvalidInput(f"the reason is longer than {MAX_REASON} characters", field=field)
    return text


def _documents(uow: UnitOfWork, principal: Principal, selection: Mapping[str, Any]) -> list[int]:
    """The selected documents, each of which must exist (deleted ones may be held too)."""
    bound = uow.settings.api.bulk_max_documents
    ids = list(selected_documents(uow, principal, parse_selection(selection, bound), bound)[0])
    known = set(uow.session.scalars(select(Document.id).where(Document.id.in_(ids))))
    missing = [document_id for document_id in ids if document_id not in known]
    if missing:
        shown = ", ".join(map(str, missing[:10])) + ("…" if len(missing) > 10 else "")
        raise InvalidInput(f"no document has the id {shown}", field="selection.ids")
    if not ids:
        raise InvalidInput("the search selects no document", field="selection.search")
    return ids


def _attach(session: Session, hold_id: int, ids: list[int]) -> list[int]:
    """Link the documents to the hold; the ids newly linked."""
    held = set(
        session.scalars(
            select(legal_hold_documents.c.document_id).where(
                legal_hold_documents.c.hold_id == hold_id
            )
        )
    )
    new = [document_id for document_id in ids if document_id not in held]
    if new:
        session.execute(
            dialect_insert(session, legal_hold_documents)
            .values([{"hold_id": hold_id, "document_id": document_id} for document_id in new])
            .on_conflict_do_nothing()
        )
    return new


def _hold(session: Session, hold_id: int, for_update: bool = False) -> LegalHold:
    hold = session.get(LegalHold, hold_id, with_for_update=for_update)
    if hold is None:
        raise NotFound(f"legal hold {hold_id} does not exist")
    return hold
