"""Read-only look-ups the pages need beside the services: choices for forms, lists.

Access control stays ged.access's: every list of documents is filtered by
``allowed()``, the same condition the services apply.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ged.access import Principal, allowed
from ged.models import Document, DocumentType, Group, Unit, User


def document_types(session: Session) -> list[DocumentType]:
    return list(session.scalars(select(DocumentType).order_by(DocumentType.label)))


def type_labels(session: Session) -> dict[str, str]:
    return {kind.code: kind.label for kind in document_types(session)}


def unit_names(session: Session) -> list[str]:
    return list(session.scalars(select(Unit.name).order_by(Unit.name)))


def unit_id(session: Session, name: str) -> int | None:
    return session.scalar(select(Unit.id).where(Unit.name == name))


def group_names(session: Session) -> list[str]:
    return list(session.scalars(select(Group.name).order_by(Group.name)))


def user_names(session: Session) -> list[str]:
    return list(session.scalars(select(User.username).order_by(User.username)))


def grant_principals(session: Session) -> list[str]:
    """Who a document can be shared with, as ACL grants name them."""
    return [f"group:{name}" for name in group_names(session)] + [
        f"user:{name}" for name in user_names(session)
    ]


def review_queue(session: Session, principal: Principal, limit: int = 50) -> list[Document]:
    """Documents the classifier was unsure of, that this person may correct, oldest first."""
    query = (
        select(Document)
        .where(
            Document.needs_review.is_(True),
            Document.status == "active",
            allowed(principal, "write"),
        )
        .order_by(Document.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def recent_uploads(session: Session, principal: Principal, limit: int = 10) -> list[Document]:
    """What this person filed last, with its pipeline status, for the upload page."""
    query = (
        select(Document)
        .where(Document.created_by_id == principal.user_id, allowed(principal, "read"))
        .order_by(Document.id.desc())
        .limit(limit)
    )
    return list(session.scalars(query))
