"""The archives' replies to a transfer as the services record them, on SQLite and
PostgreSQL: an accepting reply marks the documents transferred with the archives'
identifiers, puts them in the "transferred" queue, from which a disposal list takes them
through the visa to their destruction (the tombstone and certificate name the transfer);
a rejecting reply sends them back to "à verser" with the reason; an invalid reply, a
reply to another message, a second reply are refused; an acknowledgement changes nothing.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from ged.access import command_line
from ged.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ged.models import AuditEvent, Tombstone, Transfer
from ged.services import disposal, disposal_queues
from ged.services.certificates import certificate_file
from ged.services.destruction import execute_list
from ged.services.maintenance import check_blobs
from ged.services.paging import Page
from ged.services.transfer_replies import record_reply
from tests.ged import disposal_setup
from tests.ged.disposal_setup import People, file, make_due
from tests.ged.transfer_setup import acknowledgement_xml, make_transfer, reply_xml

runtime = disposal_setup.runtime
people = disposal_setup.people


def due_for_transfer(runtime, people: People, count: int = 2) -> list[int]:
    ids = []
    for number in range(count):
        document_id = file(runtime, people.archivist, f"dossier {number}".encode(), "Dossier")
        make_due(runtime, document_id, "transfer")
        ids.append(document_id)
    return ids


def reply(runtime, who, xml: bytes, transfer_id: int | None = None):
    with runtime.unit_of_work() as uow:
        return record_reply(uow, who, xml, transfer_id)


def queues(runtime) -> dict[str, int]:
    with runtime.unit_of_work() as uow:
        return {name: c.due for name, c in disposal_queues.queues(uow, command_line()).items()}


def queue(runtime, name: str) -> list[disposal_queues.QueueEntry]:
    with runtime.unit_of_work() as uow:
        return disposal_queues.queue_page(uow, command_line(), name, Page(1, 50)).items


def events(runtime, action: str) -> list[AuditEvent]:
    with runtime.unit_of_work() as uow:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        return list(uow.session.scalars(query))


def test_accepted_documents_are_transferred_then_destroyed_through_the_visa(
    runtime, people: People
):
    named, unnamed = due_for_transfer(runtime, people)
    transfer_id, message = make_transfer(runtime, "archives", [named, unnamed])
    assert queues(runtime)["transfer"] == 0  # spoken for while the archives decide
    xml = reply_xml(message, "OK", units={f"AU-{named}": "FRAD075_3W_12"}, comment="Reçu")

    recorded = reply(runtime, people.archivist, xml)

    assert recorded.kind == "reply" and recorded.transfer.id == transfer_id
    with runtime.unit_of_work() as uow:
        transfer = uow.session.get_one(Transfer, transfer_id)
        assert (transfer.status, transfer.reply_code) == ("accepted", "OK")
        assert transfer.reply_message_identifier == "AD075-ATR-2025-0042"
        assert transfer.reply_recorded_by_id == people.archivist.user_id
        outcomes = {i.document_id: (i.outcome, i.archival_identifier) for i in transfer.items}
        with uow.blobs.open(transfer.reply_sha256) as stream:
            assert stream.read() == xml
    # A unit the reply does not name is known by the reply's identifier.
    assert outcomes == {
        named: ("transferred", "FRAD075_3W_12"),
        unnamed: ("transferred", "AD075-ATR-2025-0042"),
    }
    [event] = events(runtime, "transfer.reply")
    assert event.stream == "lifecycle" and event.object_id == str(transfer_id)
    assert event.details["status"] == "accepted"
    assert event.details["documents"] == {
        str(named): "FRAD075_3W_12",
        str(unnamed): "AD075-ATR-2025-0042",
    }
    assert queues(runtime)["transfer"] == 0 and queues(runtime)["transferred"] == 2
    entries = queue(runtime, "transferred")
    assert [(e.document.id, e.archival_identifier) for e in entries] == [
        (named, "FRAD075_3W_12"),
        (unnamed, "AD075-ATR-2025-0042"),
    ]

    with runtime.unit_of_work() as uow:
        made = disposal.create_list(
            uow, people.archivist, "Versés 2025", selection={"queue": "transferred"}
        )
        assert {item.queue for item in made.items} == {"transferred"}
    with runtime.unit_of_work() as uow:
        disposal.submit_list(uow, people.archivist, made.id)
    with runtime.unit_of_work() as uow:
        disposal.approve_list(uow, people.authority, made.id, "versés, visa favorable")
    done = execute_list(runtime, made.id)

    assert [item.outcome for item in done.items] == ["destroyed", "destroyed"]
    assert queues(runtime)["transferred"] == 0
    with runtime.unit_of_work() as uow:
        tombstone = uow.session.get_one(Tombstone, named).as_dict()
    assert tombstone["transfer"] == {
        "transfer_id": transfer_id,
        "message_identifier": message,
        "archival_identifier": "FRAD075_3W_12",
        "accepted_at": tombstone["transfer"]["accepted_at"],
    }
    destroyed = {e.object_id: e.details for e in events(runtime, "document.destroy")}
    assert destroyed[str(named)]["transfer"]["archival_identifier"] == "FRAD075_3W_12"
    with runtime.unit_of_work() as uow:
        stream, _name, _mime = certificate_file(uow, people.authority, made.id, "json")
        certificate = json.loads(stream.read())["certificate"]
        stream.close()
    mentions = {
        d["document_id"]: d["transfer"]["archival_identifier"] for d in certificate["documents"]
    }
    assert mentions == {named: "FRAD075_3W_12", unnamed: "AD075-ATR-2025-0042"}
    with runtime.unit_of_work() as uow:
        assert check_blobs(uow, command_line()).clean  # the reply's blob is still there


def test_rejected_documents_return_to_the_queue_with_the_archives_reason(runtime, people: People):
    ids = due_for_transfer(runtime, people)
    transfer_id, message = make_transfer(runtime, "archives", ids)
    xml = reply_xml(
        message,
        "KO",
        comment="Bordereau non conforme au profil",
        events=[("Contrôle du format", "KO", "fmt/18 non accepté par l'accord")],
    )

    recorded = reply(runtime, people.archivist, xml)

    assert recorded.transfer.status == "rejected"
    reason = "Bordereau non conforme au profil; Contrôle du format: fmt/18 non accepté par l'accord"
    assert recorded.transfer.reply_comment == reason
    assert {(i.outcome, i.reason) for i in recorded.transfer.items} == {("rejected", reason)}
    assert queues(runtime)["transfer"] == 2 and queues(runtime)["transferred"] == 0
    assert [(e.document.id, e.rejection) for e in queue(runtime, "transfer")] == [
        (ids[0], reason),
        (ids[1], reason),
    ]
    assert events(runtime, "transfer.reply")[0].details["reason"] == reason
    with runtime.unit_of_work() as uow, pytest.raises(InvalidInput, match="not accepted it"):
        disposal.create_list(uow, people.archivist, "Trop tôt", selection={"ids": ids[:1]})
    # Transferred again and accepted this time: the old refusal is not shown any more.
    _second, message = make_transfer(runtime, "archives", ids)
    assert queues(runtime)["transfer"] == 0
    reply(runtime, people.archivist, reply_xml(message, "000", identifier="ATR-2"))
    assert queues(runtime)["transferred"] == 2


def test_an_invalid_reply_is_refused_saying_which_line_is_wrong(runtime, people: People):
    transfer_id, message = make_transfer(runtime, "archives", due_for_transfer(runtime, people))
    invalid = reply_xml(message).replace(b"  <CodeListVersions/>\n", b"")
    with pytest.raises(
        InvalidInput, match=r"line 6, at /ArchiveTransferReply: .*CodeListVersions"
    ) as refused:
        reply(runtime, people.archivist, invalid)
    assert refused.value.field == "file"
    with pytest.raises(InvalidInput, match="not well-formed XML"):
        reply(runtime, people.archivist, b"<ArchiveTransferReply>")
    no_code = reply_xml(message, code=None)
    with pytest.raises(InvalidInput, match="no ReplyCode"):
        reply(runtime, people.archivist, no_code)
    with runtime.unit_of_work() as uow:
        assert uow.session.get_one(Transfer, transfer_id).status == "ready"
    assert events(runtime, "transfer.reply") == []


def test_a_reply_to_another_message_or_a_second_reply_is_refused(runtime, people: People):
    first, first_message = make_transfer(runtime, "archives", due_for_transfer(runtime, people, 1))
    second, _ = make_transfer(runtime, "archives", due_for_transfer(runtime, people, 1))
    with pytest.raises(NotFound, match="did not send"):
        reply(runtime, people.archivist, reply_xml("un-autre-versement"))
    with pytest.raises(InvalidInput, match=f"which is transfer {first}, not transfer {second}"):
        reply(runtime, people.archivist, reply_xml(first_message), second)
    with pytest.raises(NotFound, match="transfer 999 does not exist"):
        reply(runtime, people.archivist, reply_xml(first_message), 999)
    with pytest.raises(PermissionDenied):
        reply(runtime, people.agent, reply_xml(first_message), first)

    reply(runtime, people.archivist, reply_xml(first_message), first)
    with pytest.raises(Conflict, match="already accepted"):
        reply(runtime, people.archivist, reply_xml(first_message, "KO", identifier="ATR-3"))
    assert len(events(runtime, "transfer.reply")) == 1


def test_a_reply_to_a_transfer_not_sent_is_refused(runtime, people: People):
    _building, message = make_transfer(
        runtime, "archives", due_for_transfer(runtime, people, 1), status="building"
    )
    with pytest.raises(Conflict, match="still being built"):
        reply(runtime, people.archivist, reply_xml(message))


def test_an_acknowledgement_is_kept_and_audited_but_decides_nothing(runtime, people: People):
    ids = due_for_transfer(runtime, people)
    transfer_id, message = make_transfer(runtime, "archives", ids)
    xml = acknowledgement_xml(message)

    recorded = reply(runtime, people.archivist, xml)

    assert recorded.kind == "acknowledgement" and recorded.transfer.status == "ready"
    with runtime.unit_of_work() as uow:
        transfer = uow.session.get_one(Transfer, transfer_id)
        assert transfer.reply_sha256 is None
        assert {item.outcome for item in transfer.items} == {"pending"}
    [event] = events(runtime, "transfer.acknowledgement")
    assert event.details["sha256"] == recorded.sha256 and event.object_id == str(transfer_id)
    with runtime.unit_of_work() as uow, uow.blobs.open(recorded.sha256) as stream:
        assert stream.read() == xml
    assert queues(runtime)["transfer"] == 0
