"""Notes (avis) through the service: write access to add or answer, only the author edits,
read access to list, audited without their text, and gone with a destroyed document."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from ged.errors import InvalidInput, NotFound, PermissionDenied
from ged.models import AuditEvent, Document, Note
from ged.services.destruction import execute_list
from ged.services.index_sync import document_for_index
from ged.services.notes import add_note, edit_note, list_notes
from tests.ged import disposal_setup
from tests.ged.disposal_setup import People, file, make_due
from tests.ged.test_disposal import approve, propose

runtime = disposal_setup.runtime
people = disposal_setup.people


def note(runtime, who, document_id, body, reply_to_id=None):
    with runtime.unit_of_work() as uow:
        return add_note(uow, who, document_id, body, reply_to_id).id


def test_author_edits_others_answer_and_a_reader_without_write_adds_nothing(
    runtime, people: People
):
    document_id = file(runtime, people.agent, b"Arrete de circulation")
    first = note(runtime, people.agent, document_id, "  Avis favorable du service voirie ")
    answer = note(runtime, people.archivist, document_id, "Vu, à compléter", reply_to_id=first)

    with runtime.unit_of_work() as uow, pytest.raises(PermissionDenied) as refused:
        edit_note(uow, people.archivist, document_id, first, "Avis défavorable")
    assert "only its author may edit" in str(refused.value) and "agent" in str(refused.value)
    with runtime.unit_of_work() as uow:
        edited = edit_note(uow, people.agent, document_id, first, "Avis réservé")
        assert edited.edited_at is not None
    # the authority may not even read the document: as if it did not exist
    with runtime.unit_of_work() as uow, pytest.raises(NotFound):
        add_note(uow, people.authority, document_id, "Avis")
    with runtime.unit_of_work() as uow, pytest.raises(NotFound):
        list_notes(uow, people.authority, document_id)
    other = file(runtime, people.agent, b"Autre document")
    with runtime.unit_of_work() as uow, pytest.raises(InvalidInput) as wrong:
        add_note(uow, people.agent, other, "Réponse égarée", reply_to_id=first)
    assert wrong.value.field == "reply_to_id"
    with runtime.unit_of_work() as uow, pytest.raises(InvalidInput, match="needs some text"):
        add_note(uow, people.agent, document_id, "   ")

    with runtime.unit_of_work() as uow:
        listed = list_notes(uow, people.agent, document_id)
        assert [(n.id, n.author.username, n.reply_to_id, n.body) for n in listed] == [
            (first, "agent", None, "Avis réservé"),
            (answer, "archives", first, "Vu, à compléter"),
        ]
        document = uow.session.get_one(Document, document_id)
        assert document_for_index(uow.session, document)["notes"] == [
            "Avis réservé",
            "Vu, à compléter",
        ]
        events = list(
            uow.session.scalars(
                select(AuditEvent).where(AuditEvent.action.like("note.%")).order_by(AuditEvent.id)
            )
        )
    assert [(e.action, e.actor, e.object_id) for e in events] == [
        ("note.add", "agent", str(document_id)),
        ("note.add", "archives", str(document_id)),
        ("note.edit", "agent", str(document_id)),
        ("note.list", "agent", str(document_id)),
    ]
    # who wrote which note, not what it said: a destroyed document's notes leave no text
    assert events[0].details == {"note": first, "reply_to": None, "characters": 32}
    assert "body" not in str([e.details for e in events])


def test_destroying_a_document_deletes_its_notes_and_answers(runtime, people: People):
    destroyed = file(runtime, people.archivist, b"facture a detruire")
    kept = file(runtime, people.archivist, b"facture gardee")
    first = note(runtime, people.archivist, destroyed, "Avis sur la facture")
    note(runtime, people.archivist, destroyed, "Réponse", reply_to_id=first)
    note(runtime, people.archivist, kept, "Avis gardé")
    make_due(runtime, destroyed)
    list_id = propose(runtime, people.archivist, [destroyed])
    approve(runtime, people.authority, list_id)

    execute_list(runtime, list_id)

    with runtime.unit_of_work() as uow:
        remaining = uow.session.execute(select(Note.document_id, Note.body)).all()
        assert remaining == [(kept, "Avis gardé")]
        texts = [str(e.details) for e in uow.session.scalars(select(AuditEvent))]
    assert not any("Avis sur la facture" in text for text in texts)
