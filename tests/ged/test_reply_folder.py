"""The archives' reply folder with real files and the real watcher loop (one pass at a
time, no delay): a valid reply is recorded and moves to done/<day>/; an invalid one goes
to failed/ beside a note saying why; the same reply dropped again is not recorded twice;
a file left in .processing/ by a crash after its commit is finished without a second
record."""

from __future__ import annotations

import shutil

from sqlalchemy import select

from ged.models import AuditEvent, Transfer
from ged.services.reply_folder import reply_folder_problem
from ged.watcher import reply_watch
from tests.ged import disposal_setup
from tests.ged.disposal_setup import People, file, make_due
from tests.ged.transfer_setup import make_transfer, reply_xml

runtime = disposal_setup.runtime
people = disposal_setup.people


def replies_recorded(runtime) -> int:
    with runtime.unit_of_work() as uow:
        query = select(AuditEvent).where(AuditEvent.action == "transfer.reply")
        return len(uow.session.scalars(query).all())


def test_replies_dropped_in_the_folder_are_recorded_or_set_aside_with_the_reason(
    runtime, people: People, tmp_path
):
    document_id = file(runtime, people.archivist, b"dossier verse")
    make_due(runtime, document_id, "transfer")
    transfer_id, message = make_transfer(runtime, "archives", [document_id])
    folder = tmp_path / "réponses des archives"
    folder.mkdir()
    assert reply_folder_problem(folder) is None
    watch = reply_watch(runtime, folder, stability_seconds=0)
    xml = reply_xml(message, units={f"AU-{document_id}": "FRAD075_3W_7"})
    (folder / "ATR 0042.xml").write_bytes(xml)
    (folder / "pas une réponse.xml").write_bytes(b"<ArchiveTransfer/>")

    watch.watcher.run_pass()

    done = list((folder / "done").glob("*/ATR 0042.xml"))
    assert len(done) == 1 and done[0].read_bytes() == xml
    assert (folder / "failed" / "pas une réponse.xml").exists()
    note = (folder / "failed" / "pas une réponse.xml.error.txt").read_text()
    assert "not SEDA 2.2" in note and "What to do: ask the archives" in note
    with runtime.unit_of_work() as uow:
        transfer = uow.session.get_one(Transfer, transfer_id)
        assert transfer.status == "accepted"
        assert transfer.items[0].archival_identifier == "FRAD075_3W_7"
    with runtime.unit_of_work() as uow:
        actor = uow.session.scalars(
            select(AuditEvent.actor).where(AuditEvent.action == "transfer.reply")
        ).one()
    assert actor == "reply-folder"

    # Dropped again, and left claimed by a crash that came after its commit: done, once.
    (folder / "ATR 0042 (copie).xml").write_bytes(xml)
    shutil.copy(done[0], folder / ".processing" / "ATR 0042 bis.xml")
    watch.watcher.run_pass()
    assert len(list((folder / "done").glob("*/ATR 0042*.xml"))) == 3
    assert not list((folder / "failed").glob("ATR*"))
    assert replies_recorded(runtime) == 1


def test_a_reply_folder_that_cannot_be_used_is_named(tmp_path):
    problem = reply_folder_problem(tmp_path / "absent")
    assert (
        problem is not None and "[archives] reply_folder" in problem and "does not exist" in problem
    )
