"""Dated events of a document's life ("contract_ended", "file_closed") that a retention
period may count from: recording one sets or moves the due date of a document whose rule
waits for it."""

from __future__ import annotations

import re
from datetime import date

from sqlalchemy import select

from ged.access import Principal, require_document
from ged.audit.chain import record
from ged.errors import InvalidInput
from ged.models import DocumentEvent
from ged.services.due_dates import assign_retention
from ged.services.revisions import document_for_change
from ged.uow import UnitOfWork

#: an event's name, as rules name it: lower case letters, digits and underscores
EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]{0,63}$")


def check_event_name(name: str, field: str = "name") -> str:
    if not EVENT_NAME.fullmatch(name):
        raise InvalidInput(
            f"{name!r} is not an event name: lower case letters, digits and underscores, "
            "starting with a letter, at most 64 (e.g. contract_ended)",
            field=field,
        )
    return name


def record_event(
    uow: UnitOfWork, principal: Principal, document_id: int, name: str, on: date
) -> DocumentEvent:
    """Record (or move) the event ``name`` of a document the caller may write, and
    recompute its due date; audited as ``document.event``."""
    check_event_name(name)
    session = uow.session
    document = document_for_change(session, principal, document_id, "write")
    event = session.scalars(
        select(DocumentEvent).where(
            DocumentEvent.document_id == document_id, DocumentEvent.name == name
        )
    ).one_or_none()
    before = event.date.isoformat() if event else None
    if event is None:
        event = DocumentEvent(document_id=document_id, name=name, date=on)
        session.add(event)
    event.date = on
    event.recorded_at = uow.clock.now()
    event.recorded_by_id = principal.user_id
    session.flush()
    assign_retention(session, document)
    record(
        session,
        principal,
        "document.event",
        object_type="document",
        object_id=document_id,
        details={"name": name, "before": before, "after": on.isoformat()},
    )
    uow.commit()
    return event


def list_events(uow: UnitOfWork, principal: Principal, document_id: int) -> list[DocumentEvent]:
    """The events recorded on a document the caller may read, by date."""
    require_document(uow.session, principal, document_id, "read")
    query = (
        select(DocumentEvent)
        .where(DocumentEvent.document_id == document_id)
        .order_by(DocumentEvent.date, DocumentEvent.name)
    )
    return list(uow.session.scalars(query))
