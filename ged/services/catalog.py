"""Read-only look-ups the pages need beside the use cases: choices for forms, work lists,
the watched folders' counters. Nothing here is audited: these are lists of names and of
the caller's own work, not consultations of documents or of the audit trail.

Every list of documents is filtered by ``ged.access.allowed()``, the condition the
services apply, so a page never lists what its reader could not open.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, func, select

from ged.access import LEVELS, Principal, allowed, authorize, has_permission, may_file_into_unit
from ged.models import Document, DocumentType, Group, Unit, User
from ged.uow import UnitOfWork


def document_types(uow: UnitOfWork, principal: Principal) -> list[DocumentType]:
    """The types a document can be given, by label (any signed-in caller)."""
    return list(uow.session.scalars(select(DocumentType).order_by(DocumentType.label)))


def type_labels(uow: UnitOfWork, principal: Principal) -> dict[str, str]:
    return {kind.code: kind.label for kind in document_types(uow, principal)}


def unit_names(uow: UnitOfWork, principal: Principal) -> list[str]:
    """Every unit's name (any signed-in caller: documents show their unit)."""
    return list(uow.session.scalars(select(Unit.name).order_by(Unit.name)))


def filing_units(uow: UnitOfWork, principal: Principal) -> list[str]:
    """The units this caller may file documents into (or move documents into)."""
    session = uow.session
    units = session.execute(select(Unit.id, Unit.name).order_by(Unit.name))
    return [name for unit_id, name in units if may_file_into_unit(session, principal, unit_id)]


def grant_principals(uow: UnitOfWork, principal: Principal) -> list[str]:
    """Who a document can be shared with, as ACL grants name them."""
    session = uow.session
    groups = session.scalars(select(Group.name).order_by(Group.name))
    users = session.scalars(select(User.username).order_by(User.username))
    return [f"group:{name}" for name in groups] + [f"user:{name}" for name in users]


def permissions_on(uow: UnitOfWork, principal: Principal, document: Document) -> set[str]:
    """What the caller may do to a document it has in hand: a subset of read/write/manage.
    Levels nest, so the highest one held gives the others without asking again."""
    ordered = sorted(LEVELS, key=LEVELS.__getitem__)
    for rank in range(len(ordered) - 1, -1, -1):
        if has_permission(uow.session, principal, document, ordered[rank]):
            return set(ordered[: rank + 1])
    return set()


def review_queue(uow: UnitOfWork, principal: Principal, limit: int = 50) -> list[Document]:
    """Documents the classifier was unsure of, that this person may correct, oldest first."""
    query = select(Document).where(_to_review(principal)).order_by(Document.id).limit(limit)
    return list(uow.session.scalars(query))


def review_count(uow: UnitOfWork, principal: Principal) -> int:
    """How many documents ``review_queue`` holds in all, for the header: one count."""
    return uow.session.scalar(select(func.count(Document.id)).where(_to_review(principal))) or 0


def _to_review(principal: Principal) -> ColumnElement[bool]:
    return and_(
        Document.needs_review.is_(True),
        Document.status == "active",
        allowed(principal, "write"),
    )


def recent_uploads(uow: UnitOfWork, principal: Principal, limit: int = 10) -> list[Document]:
    """What this person filed last, with its pipeline status, for the upload page."""
    query = (
        select(Document)
        .where(Document.created_by_id == principal.user_id, allowed(principal, "read"))
        .order_by(Document.id.desc())
        .limit(limit)
    )
    return list(uow.session.scalars(query))


def watch_counters(uow: UnitOfWork, principal: Principal) -> dict[str, dict[str, int]]:
    """What each watched folder took, filed, found duplicate, refused or postponed.
    Raises ServiceUnavailable when the counters' server does not answer."""
    authorize(principal, "watch.counters")
    return uow.adapters.counters.read(uow.settings.watch.folders)


def mail_counters(uow: UnitOfWork, principal: Principal) -> dict[str, dict[str, int]]:
    """What each functional mailbox took, filed, refused, postponed and acknowledged.
    Raises ServiceUnavailable when the counters' server does not answer."""
    authorize(principal, "watch.counters")
    accounts = [account.name for account in uow.settings.mail.accounts]
    return uow.adapters.counters.read_mail(accounts)
