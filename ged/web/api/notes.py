"""/api/v1/documents/{id}/notes: the notes (avis) agents leave on a document."""

from __future__ import annotations

from apiflask import APIBlueprint

from ged.services import notes
from ged.web.api.contract import DESTROYED, errors
from ged.web.api.schemas.notes import NewNote, NoteEdit, NoteList, NoteOut
from ged.web.context import principal, uow

bp = APIBlueprint("notes", __name__, url_prefix="/api/v1/documents", tag="Notes")


@bp.get("/<int:document_id>/notes")
@bp.output(NoteList, description="the document's notes, with their author and date")
@bp.doc(summary="The notes of a document", responses=errors(403, 404, gone=DESTROYED))
def list_notes(document_id: int):
    found = notes.list_notes(uow(), principal(), document_id)
    return NoteList(notes=[NoteOut.of(note) for note in found])


@bp.post("/<int:document_id>/notes")
@bp.input(NewNote, location="json")
@bp.output(NoteOut, status_code=201, description="the note, found by note: once indexed")
@bp.doc(
    summary="Add a note to a document, or answer one (write access)",
    responses=errors(400, 403, 404, 409, 415, 422, gone=DESTROYED),
)
def add_note(document_id: int, json_data: NewNote):
    note = notes.add_note(uow(), principal(), document_id, json_data.body, json_data.reply_to_id)
    return NoteOut.of(note), 201


@bp.patch("/<int:document_id>/notes/<int:note_id>")
@bp.input(NoteEdit, location="json")
@bp.output(NoteOut, description="the note as it now is")
@bp.doc(
    summary="Change the text of one's own note",
    description="Someone else's note is refused (403): answer it instead.",
    responses=errors(400, 403, 404, 409, 415, 422, gone=DESTROYED),
)
def edit_note(document_id: int, note_id: int, json_data: NoteEdit):
    return NoteOut.of(notes.edit_note(uow(), principal(), document_id, note_id, json_data.body))
