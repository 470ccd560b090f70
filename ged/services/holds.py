"""Legal holds as every destructive path reads them: which documents a hold in force keeps.

(Part A of the records-lifecycle work places and releases holds; this module's two
functions are the contract every destructive path relies on.)"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import Session

from ged.models import LegalHold, legal_hold_documents
from ged.timeutil import today


def in_force(on: date) -> ColumnElement[bool]:
    """SQL: the LegalHold applies on day ``on`` (not released, not past its last day)."""
    return and_(
        LegalHold.released_at.is_(None),
        or_(LegalHold.ends_on.is_(None), LegalHold.ends_on >= on),
    )


def held_document_ids(session: Session, ids: Iterable[int]) -> set[int]:
    """The documents among ``ids`` that a hold in force today keeps from any destruction."""
    wanted = list(ids)
    if not wanted:
        return set()
    query = (
        select(legal_hold_documents.c.document_id)
        .join(LegalHold, LegalHold.id == legal_hold_documents.c.hold_id)
        .where(legal_hold_documents.c.document_id.in_(wanted), in_force(today()))
    )
    return set(session.scalars(query))
