"""Functional mailboxes end to end: the real Dovecot of scripts/services.py on loopback,
messages delivered by IMAP APPEND, a real ``ged mail`` process, SQLite, the blob store and
Redis; an aiosmtpd server receives the acknowledgements."""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from click.testing import CliRunner
from sqlalchemy import select

from ged.cli import cli
from ged.mailbox import FAILED_KEYWORD
from ged.models import AuditEvent, User, Version
from tests import services
from tests.mailroom import (
    Mailroom,
    a_message,
    a_pdf,
    a_zip,
    an_encrypted_pdf,
    build_mailroom,
    close_mailroom,
)
from tests.processes import free_port, kill_group, run_worker_burst
from tests.test_up import wait_for_ready
from workers.counters import RedisWatchCounters


@pytest.fixture(scope="session")
def dovecot() -> dict:
    return services.ensure("dovecot")


@pytest.fixture
def make_mailroom(
    make_settings, tmp_path: Path, dovecot: dict
) -> Iterator[Callable[..., Mailroom]]:
    rooms: list[Mailroom] = []

    def build(urls: dict | None = None, **overrides: object) -> Mailroom:
        rooms.append(build_mailroom(make_settings, tmp_path, urls or dovecot, **overrides))
        return rooms[-1]

    yield build
    for room in rooms:
        close_mailroom(room)


class Receiver:
    """aiosmtpd's handler: keeps every message it is given."""

    def __init__(self) -> None:
        self.received: list = []

    async def handle_RCPT(self, server, session, envelope, address, options) -> str:  # noqa: N802
        if address.startswith("inconnu@"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope) -> str:  # noqa: N802 - aiosmtpd's name
        self.received.append(envelope)
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Receiver, int]]:
    receiver = Receiver()
    port = free_port()
    controller = Controller(receiver, hostname="127.0.0.1", port=port)
    controller.start()
    yield receiver, port
    controller.stop()


def acknowledging(port: int, **settings: object) -> dict:
    """[mail.acknowledgement] sending through the test's SMTP server on ``port``."""
    return {
        "enabled": True,
        "smtp_port": port,
        "smtp_tls": "none",
        "sender": "courrier@mairie.exemple.fr",
        **settings,
    }


def counters(room: Mailroom) -> dict[str, int]:
    reader = RedisWatchCounters(room.settings)
    try:
        return reader.read_mail(["courrier"])["courrier"]
    finally:
        reader.close()


def test_a_message_becomes_its_body_and_linked_attachments_and_is_moved(make_mailroom):
    room = make_mailroom(unit="", tags=["courriel"])
    room.deliver(
        a_message(
            "Permis de construire",
            **{
                "plan.pdf": a_pdf("Plan de masse"),
                "pieces.zip": a_zip("note.txt", b"pieces"),
                "chiffre.pdf": an_encrypted_pdf("Confidentiel"),
            },
        )
    )
    room.start()
    room.wait_for(lambda: room.settled(1), "the message settled")

    [record] = room.records()
    assert (record.state, record.uid, record.sender) == ("settled", 1, "jeanne.martin@exemple.fr")
    assert record.subject == "Permis de construire"
    assert record.recipients == ["courrier@mairie.exemple.fr"]
    body, *attachments = record.document_ids
    documents = room.documents()
    assert documents[body] == "Permis de construire"
    assert len(documents) == 4 and len(attachments) == 3
    assert room.links() == {(body, attachment) for attachment in attachments}
    # Moved, with the keyword, never deleted.
    room.wait_for(lambda: not room.imap.messages(room.folder), "the folder empty")
    [(flags, _raw)] = room.imap.messages(room.processed)
    assert b"$GedFiled" in flags

    # The odd attachments take the pipeline's usual path for bad input.
    run_worker_burst(room.settings)
    with room.session() as session:
        versions = {v.filename: (v.status, v.error) for v in session.scalars(select(Version))}
    assert versions["plan.pdf"][0] == "done"
    assert versions["chiffre.pdf"] == (
        "failed",
        "the PDF is encrypted with a password; send an unprotected copy",
    )
    assert versions["pieces.zip"][0] == "unsupported"
    assert versions["courriel-Permis-de-construire.pdf"][0] == "done"
    assert counters(room)["filed"] == 1


def test_the_same_attachment_twice_is_one_document_linked_to_both_bodies(make_mailroom, dovecot):
    room = make_mailroom(tls="ssl", port=dovecot["imaps_port"])  # IMAPS, here
    facture = a_pdf("Facture 2026-041")
    room.deliver(
        a_message("Facture", **{"facture.pdf": facture}),
        a_message("Relance facture", **{"facture-copie.pdf": facture}),
    )
    room.start()
    room.wait_for(lambda: room.settled(2), "both messages settled")

    first, second = room.records()
    assert first.document_ids[1] == second.document_ids[1]
    assert len(room.documents()) == 3
    attachment = first.document_ids[1]
    assert room.links() == {
        (first.document_ids[0], attachment),
        (second.document_ids[0], attachment),
    }


def test_a_server_without_move_gets_copies_and_its_originals_are_not_taken_again(
    make_mailroom, dovecot
):
    # Dovecot serves this account as a bare IMAP4rev1 server (scripts/services.py).
    without_move = {
        **dovecot,
        "imap_username": dovecot["imap_username_without_move"],
        "imap_password": dovecot["imap_password_without_move"],
    }
    room = make_mailroom(urls=without_move)
    assert b"MOVE" not in room.imap.client.capability()[1][0].split()
    room.deliver(a_message("Demande 1"), a_message("Demande 2"))
    room.start()
    room.wait_for(lambda: room.settled(2), "both messages settled")
    copies = room.imap.messages(room.processed)
    assert len(copies) == 2 and all(b"$GedFiled" in flags for flags, _raw in copies)
    # The originals stay, never deleted, with the keyword that keeps them from being
    # taken again: the poll that takes a third message takes nothing else.
    originals = room.imap.messages(room.folder)
    assert len(originals) == 2 and all(b"$GedFiled" in flags for flags, _raw in originals)
    room.deliver(a_message("Demande 3"))
    room.wait_for(lambda: room.settled(3), "the third message settled")
    assert sorted(room.documents().values()) == ["Demande 1", "Demande 2", "Demande 3"]
    assert len(room.imap.messages(room.processed)) == 3
    assert counters(room)["taken"] == 3


def test_killed_after_filing_each_message_is_still_filed_exactly_once(make_mailroom):
    room = make_mailroom(mode="attachments_only")
    room.deliver(*(a_message(f"Demande {n}", **{f"d{n}.pdf": a_pdf(f"d{n}")}) for n in range(3)))
    first = room.start(GEDTEST_MAIL_PAUSE_AFTER_FILING="60")
    room.wait_for(lambda: len(room.records()) == 1, "the first message filed")
    kill_group(first, signal.SIGKILL)
    # Filed and recorded, but the server was never told: it is still in the folder.
    assert [r.state for r in room.records()] == ["filed"]
    assert len(room.imap.messages(room.folder)) == 3

    room.start()
    room.wait_for(lambda: room.settled(3), "three messages settled")
    assert [len(r.document_ids) for r in room.records()] == [1, 1, 1]
    assert sorted(room.documents().values()) == ["d0", "d1", "d2"]
    assert not room.imap.messages(room.folder)
    assert len(room.imap.messages(room.processed)) == 3


def test_an_unreadable_message_is_recorded_failed_flagged_and_not_tried_again(make_mailroom):
    room = make_mailroom(after="flag")
    room.deliver(b"\r\n\r\nno headers at all\r\n", a_message("Lisible"))
    room.start()
    room.wait_for(lambda: room.settled(2), "both messages recorded")
    failed, filed = room.records()
    assert (failed.state, failed.error) == ("failed", "the message has no headers")
    assert filed.state == "settled"

    # Kept in place (after = "flag"), each with its keyword; polls go on without retrying.
    def flagged() -> bool:
        flags = [flags for flags, _raw in room.imap.messages(room.folder)]
        return FAILED_KEYWORD.encode() in flags[0] and b"$GedFiled" in flags[1]

    room.wait_for(flagged, "both messages flagged")
    room.wait_for(lambda: "message 1 failed" in room.log_text(), "the failure logged")
    assert counters(room) == {
        "taken": 2,
        "filed": 1,
        "failed": 1,
        "postponed": 0,
        "acknowledged": 0,
    }
    assert len(room.records()) == 2
    with room.session() as session:
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.action.like("mail.%")))
        assert sorted(actions) == ["mail.message.fail", "mail.message.file"]


def test_the_sender_gets_an_acknowledgement_with_the_reference_but_robots_do_not(
    make_mailroom, smtp_server
):
    receiver, port = smtp_server
    room = make_mailroom()
    room.acknowledgement = acknowledging(port, sender="Mairie <courrier@mairie.exemple.fr>")
    room.deliver(a_message("Demande d'acte"), a_message("Newsletter", sender="noreply@exemple.fr"))
    room.start()
    room.wait_for(lambda: room.settled(2), "both messages settled")
    room.wait_for(lambda: receiver.received, "the acknowledgement received")
    # Recorded once the SMTP server has accepted it: a moment after it arrives.
    room.wait_for(lambda: room.records()[0].acknowledgement == "sent", "recorded as sent")

    person, robot = room.records()
    assert (person.acknowledgement, robot.acknowledgement) == (
        "sent",
        "not sent: the sender does not take replies",
    )
    [envelope] = receiver.received
    assert envelope.rcpt_tos == ["jeanne.martin@exemple.fr"]
    reply = message_from_bytes(envelope.content, policy=policy.default)
    assert reply["Subject"] == "Accusé de réception : Demande d'acte"
    assert reply["Auto-Submitted"] == "auto-replied"
    assert reply["In-Reply-To"] == person.message_id
    body = reply.get_content()
    assert f"GED-{person.document_ids[0]}" in body and "Demande d'acte" in body
    with room.session() as session:
        sent = session.scalars(
            select(AuditEvent).where(AuditEvent.action == "mail.acknowledgement.send")
        ).one()
        assert sent.details["to"] == "jeanne.martin@exemple.fr"


def test_a_server_that_does_not_answer_is_tried_again_without_stopping(make_mailroom):
    room = make_mailroom(port=free_port(), poll_seconds=0.2)
    process = room.start()
    room.wait_for(lambda: "trying again" in room.log_text(), "the failure logged")
    room.wait_for(lambda: counters(room)["postponed"] >= 2, "a second try")
    assert process.poll() is None


def test_ged_up_starts_ged_mail_when_accounts_are_configured(make_mailroom):
    room = make_mailroom()
    room.deliver(a_message("Arrivé pendant ged up"))
    port = free_port()
    process = room.start("up", GED_WEB__PORT=str(port), GED_WORKER__COUNT="1")
    room.wait_for(lambda: room.settled(1), "the message settled", timeout=90)
    status, body = wait_for_ready(f"http://127.0.0.1:{port}/readyz", process)
    assert status == 200, body
    assert body["mailboxes"]["courrier"]["filed"] == 1
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    assert process.returncode == 0, room.log_text()
    assert "1 mailbox(es)" in room.log_text()


def test_an_acknowledgement_waits_while_the_smtp_server_is_down_then_goes(make_mailroom):
    port = free_port()
    room = make_mailroom()
    room.acknowledgement = acknowledging(port, timeout=2)
    room.deliver(a_message("Demande"))
    room.start()
    room.wait_for(lambda: room.settled(1), "the message settled")
    room.wait_for(lambda: "acknowledgements wait" in room.log_text(), "the SMTP failure")
    assert room.records()[0].acknowledgement is None  # still due
    receiver = Receiver()
    controller = Controller(receiver, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        room.wait_for(lambda: receiver.received, "the acknowledgement, once the server is up")
    finally:
        controller.stop()
    room.wait_for(lambda: room.records()[0].acknowledgement == "sent", "recorded as sent")
    assert len(receiver.received) == 1
    room.wait_for(lambda: counters(room)["acknowledged"] == 1, "counted")


def test_a_missing_station_account_is_said_and_the_mail_waits_for_it(make_mailroom):
    room = make_mailroom(station="courriel-urbanisme", poll_seconds=0.2)
    room.deliver(a_message("En attente du compte"))
    room.start()
    room.wait_for(
        lambda: "station account 'courriel-urbanisme' does not exist" in room.log_text(),
        "the problem logged",
    )
    assert room.records() == [] and len(room.imap.messages(room.folder)) == 1
    with room.session() as session:
        session.add(User(username="courriel-urbanisme", role="station", password_hash=None))
        session.commit()
    room.wait_for(lambda: room.settled(1), "the message filed once the account exists")


def test_ged_mail_without_accounts_says_so_and_fails(settings):
    result = CliRunner().invoke(cli, ["mail"], env={"GED_DATABASE__URL": settings.database.url})
    assert result.exit_code == 1
    assert "no mailbox is configured: add [[mail.accounts]] tables" in result.output


def test_an_acknowledgement_refused_for_good_is_recorded_and_holds_up_no_other(
    make_mailroom, smtp_server
):
    receiver, port = smtp_server
    room = make_mailroom()
    room.acknowledgement = acknowledging(port)
    room.deliver(a_message("Adresse fausse", sender="inconnu@exemple.fr"), a_message("Bonne"))
    room.start()
    room.wait_for(lambda: receiver.received, "the second acknowledgement")
    room.wait_for(lambda: room.records()[1].acknowledgement == "sent", "recorded as sent")
    refused, sent = room.records()
    assert (
        refused.acknowledgement == "not sent: the SMTP server refused it: 550 5.1.1 no such mailbox"
    )
    assert [envelope.rcpt_tos for envelope in receiver.received] == [["jeanne.martin@exemple.fr"]]
    with room.session() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.action.like("mail.acknowledgement.%"))
        )
        assert sorted(actions) == ["mail.acknowledgement.refuse", "mail.acknowledgement.send"]
