"""Notes (avis) on a document: whoever may write the document adds one or answers one,
only its author edits it, whoever may read the document reads them.

A note is part of what the index holds of its document (found by ``note:`` and by the
full text), so adding or editing one dates the document's change (``updated_at``) and
refreshes its index entry after the commit, as a metadata edit does. The audit trail
records who wrote or changed which note, not its text: a destroyed document's notes
are deleted with it (ged.services.destruction) and nothing keeps what they said.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from ged.access import Principal, require_document
from ged.audit.chain import record
from ged.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ged.models import Document, Note
from ged.services.revisions import document_for_change
from ged.uow import UnitOfWork

MAX_BODY = 10_000


def notes_of(session: Session, document_id: int) -> list[Note]:
    """A document's notes in the order they were written, authors loaded."""
    query = (
        select(Note)
        .where(Note.document_id == document_id)
        .options(selectinload(Note.author))
        .order_by(Note.created_at, Note.id)
    )
    return list(session.scalars(query))


def list_notes(
    uow: UnitOfWork, principal: Principal, document_id: int, *, audited: bool = True
) -> list[Note]:
    """The notes of a document the caller may read, oldest first; the reading is audited
    (``audited`` False: the document page, whose view is already)."""
    require_document(uow.session, principal, document_id, "read")
    notes = notes_of(uow.session, document_id)
    if audited:
        record(
            uow.session,
            principal,
            "note.list",
            object_type="document",
            object_id=document_id,
            details={"notes": len(notes)},
        )
        uow.commit()
    return notes


def add_note(
    uow: UnitOfWork,
    principal: Principal,
    document_id: int,
    body: str,
    reply_to_id: int | None = None,
) -> Note:
    """A new note on a document the caller may write, or (``reply_to_id``) an answer to
    one of its notes."""
    session = uow.session
    document = _writable(session, principal, document_id)
    text = _body(body)
    if reply_to_id is not None:
        _note_on(session, document_id, reply_to_id, field="reply_to_id")
    note = Note(
        document_id=document_id, author_id=principal.user_id, reply_to_id=reply_to_id, body=text
    )
    session.add(note)
    session.flush()
    details = {"note": note.id, "reply_to": reply_to_id, "characters": len(text)}
    _changed(uow, principal, document, "note.add", details)
    return note


def edit_note(
    uow: UnitOfWork, principal: Principal, document_id: int, note_id: int, body: str
) -> Note:
    """Change the text of one's own note; someone else's is answered, never edited."""
    session = uow.session
    document = _writable(session, principal, document_id)
    note = _note_on(session, document_id, note_id)
    if principal.user_id is None or note.author_id != principal.user_id:
        raise PermissionDenied(
            f"note {note_id} was written by {note.author.username}: only its author may edit "
            "it; answer it instead (reply_to_id)",
            rule="note.edit",
        )
    text = _body(body)
    note.body = text
    note.edited_at = datetime.now(UTC)
    _changed(uow, principal, document, "note.edit", {"note": note.id, "characters": len(text)})
    return note


def _writable(session: Session, principal: Principal, document_id: int) -> Document:
    document = document_for_change(session, principal, document_id, "write")
    if document.status != "active":
        raise Conflict(f"document {document_id} is deleted; restore it before adding notes")
    return document


def _changed(
    uow: UnitOfWork, principal: Principal, document: Document, action: str, details: dict
) -> None:
    document.updated_at = datetime.now(UTC)
    record(
        uow.session,
        principal,
        action,
        object_type="document",
        object_id=document.id,
        details=details,
    )
    uow.refresh_index([document.id])
    uow.commit()


def _note_on(session: Session, document_id: int, note_id: int, field: str | None = None) -> Note:
    note = session.get(Note, note_id)
    if note is None or note.document_id != document_id:
        message = f"document {document_id} has no note {note_id}"
        if field is not None:
            raise InvalidInput(message, field=field)
        raise NotFound(message)
    return note


def _body(value: str) -> str:
    text = (value or "").strip()
    if not text:
        raise InvalidInput("a note needs some text", field="body")
    if len(text) > MAX_BODY:
        raise InvalidInput(f"a note is at most {MAX_BODY} characters long", field="body")
    return text
