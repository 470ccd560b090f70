"""Disposal lists, their visa and their execution as the services run them, on SQLite and
PostgreSQL: the proposer never approves; execution destroys exactly the listed documents'
unshared blobs; a hold placed after the visa keeps its document; queues by final action;
fsck and the audit chain hold afterwards; the certificate verifies offline."""

from __future__ import annotations

import hashlib
import json

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from ged.access import command_line, principal_for
from ged.audit.offline import verify_file
from ged.audit.verify import verify_database
from ged.errors import Conflict, DocumentDestroyed, InvalidInput, PermissionDenied
from ged.models import AuditEvent, Blob, Document, Page, Tombstone, User, Version
from ged.services import disposal, disposal_queues
from ged.services.certificates import certificate_file
from ged.services.destruction import execute_list, requeue_approved_lists
from ged.services.documents import read_version
from ged.services.maintenance import check_blobs
from ged.services.users import update_user
from tests.ged import disposal_setup
from tests.ged.disposal_setup import People, file, hold, make_due

runtime = disposal_setup.runtime
people = disposal_setup.people


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def propose(runtime, who, ids: list[int]) -> int:
    with runtime.unit_of_work() as uow:
        made = disposal.create_list(uow, who, "Factures 2014", selection={"ids": ids})
    with runtime.unit_of_work() as uow:
        disposal.submit_list(uow, who, made.id)
    return made.id


def approve(runtime, who, list_id: int) -> None:
    with runtime.unit_of_work() as uow:
        disposal.approve_list(uow, who, list_id, "visa favorable")


def actions(runtime) -> list[str]:
    with runtime.unit_of_work() as uow:
        return list(uow.session.scalars(select(AuditEvent.action).order_by(AuditEvent.seq)))


def test_a_list_cannot_be_approved_by_its_proposer_whatever_their_role(runtime, people: People):
    document_id = file(runtime, people.archivist, b"facture 1")
    make_due(runtime, document_id)
    list_id = propose(runtime, people.archivist, [document_id])
    with runtime.unit_of_work() as uow, pytest.raises(PermissionDenied, match="archives authority"):
        disposal.approve_list(uow, people.archivist, list_id)
    # The proposer becomes the archives authority: still not for their own list.
    with runtime.unit_of_work() as uow:
        update_user(uow, command_line(), "archives", role="archives_authority")
    with runtime.unit_of_work() as uow:
        promoted = principal_for(
            uow.session.scalars(select(User).filter_by(username="archives")).one()
        )
    with runtime.unit_of_work() as uow, pytest.raises(PermissionDenied, match="another person"):
        disposal.approve_list(uow, promoted, list_id)
    approve(runtime, people.authority, list_id)
    with runtime.unit_of_work() as uow:
        assert disposal.read_list(uow, people.authority, list_id).status == "approved"


def test_only_due_destroyable_unheld_documents_can_be_listed(runtime, people: People):
    kept = file(runtime, people.archivist, b"pas encore")
    make_due(runtime, kept, days_ago=-30)
    to_transfer = file(runtime, people.archivist, b"a verser")
    make_due(runtime, to_transfer, "transfer")
    held = file(runtime, people.archivist, b"gele")
    make_due(runtime, held)
    hold(runtime, held)
    no_rule = file(runtime, people.archivist, b"sans regle")
    for document_id, refusal in [
        (kept, "kept until"),
        (to_transfer, "archives have not accepted it"),
        (held, "legal hold"),
        (no_rule, "no retention rule"),
    ]:
        with runtime.unit_of_work() as uow, pytest.raises(InvalidInput, match=refusal):
            disposal.create_list(uow, people.archivist, "L", selection={"ids": [document_id]})
    sorted_one = file(runtime, people.archivist, b"a trier")
    make_due(runtime, sorted_one, "sort")
    listed = propose(runtime, people.archivist, [sorted_one])
    with runtime.unit_of_work() as uow, pytest.raises(Conflict, match=f"list {listed}"):
        disposal.create_list(uow, people.archivist, "L", selection={"ids": [sorted_one]})
    with runtime.unit_of_work() as uow, pytest.raises(InvalidInput, match="documents to sort"):
        disposal.create_list(uow, people.archivist, "L", selection={"queue": "sort"})


def test_queues_count_due_documents_by_final_action_and_show_held_ones(runtime, people: People):
    made = {}
    for name, action, days in [
        ("d1", "destroy", 3),
        ("d2", "destroy", 1),
        ("t1", "transfer", 1),
        ("s1", "sort", 1),
        ("later", "destroy", -1),
        ("keep", "keep", 5),
    ]:
        made[name] = file(runtime, people.archivist, name.encode())
        make_due(runtime, made[name], action, days)
    hold(runtime, made["d2"])
    with runtime.unit_of_work() as uow:
        counts = disposal_queues.queues(uow, people.archivist)
    assert {a: (c.due, c.held) for a, c in counts.items()} == {
        "destroy": (2, 1),
        "transfer": (1, 0),
        "sort": (1, 0),
        "transferred": (0, 0),
    }
    with runtime.unit_of_work() as uow:
        page = disposal_queues.queue_page(uow, people.authority, "destroy", disposal_queues.Page())
    assert [(e.document.id, e.held) for e in page.items] == [
        (made["d1"], False),
        (made["d2"], True),
    ]
    with runtime.unit_of_work() as uow:
        taken = disposal.create_list(uow, people.archivist, "L", selection={"queue": "destroy"})
        assert [item.document_id for item in taken.items] == [made["d1"]]  # never the held one
    with runtime.unit_of_work() as uow, pytest.raises(PermissionDenied):
        disposal_queues.queues(uow, people.agent)
    with runtime.unit_of_work() as uow:
        disposal_queues.refresh_queues(uow)
    with runtime.unit_of_work() as uow:
        event = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "disposal.queue.refresh")
        ).one()
    assert event.details["destroy"] == {"due": 2, "held": 1}


def test_execution_destroys_exactly_the_listed_documents_unshared_blobs(runtime, people: People):
    shared = b"contenu commun a deux documents"
    alone = file(runtime, people.archivist, b"facture seule")
    with runtime.unit_of_work() as uow:
        from ged.services.documents import Upload, add_version

        add_version(
            uow,
            people.archivist,
            alone,
            Upload(__import__("io").BytesIO(b"v2 seule"), "v2.txt"),
            "",
        )
    sharing = file(runtime, people.archivist, shared)
    kept = file(runtime, people.archivist, shared, title="Gardé")  # same bytes, not listed
    held_later = file(runtime, people.archivist, b"gel apres visa")
    outside = file(runtime, people.archivist, b"hors liste")
    for document_id in (alone, sharing, held_later, outside):
        make_due(runtime, document_id)
    with runtime.unit_of_work() as uow:
        uow.session.add(
            Page(
                version_id=uow.session.scalars(
                    select(Version.id).filter_by(document_id=alone)
                ).first(),
                number=1,
                source="text",
                text="secret",
            )
        )
        uow.commit()
    list_id = propose(runtime, people.archivist, [alone, sharing, held_later])
    approve(runtime, people.authority, list_id)
    hold(runtime, held_later)  # after the visa: the execution checks again

    done = execute_list(runtime, list_id)

    assert done.status == "executed"
    store = runtime.adapters.blobs
    assert not store.exists(sha(b"facture seule")) and not store.exists(sha(b"v2 seule"))
    assert store.exists(sha(shared)) and store.exists(sha(b"gel apres visa"))
    assert store.exists(sha(b"hors liste"))
    with runtime.unit_of_work() as uow:
        session = uow.session
        statuses = {i: s for i, s in session.execute(select(Document.id, Document.status))}
        assert statuses == {
            alone: "destroyed",
            sharing: "destroyed",
            kept: "active",
            held_later: "active",
            outside: "active",
        }
        assert session.scalars(select(Version).filter_by(document_id=alone)).all() == []
        assert session.scalar(select(Blob).filter_by(sha256=sha(shared))) is not None
        assert session.scalars(select(Page)).all() == []
        tombstone = session.get_one(Tombstone, alone)
        assert [v["sha256"] for v in tombstone.versions] == [
            sha(b"facture seule"),
            sha(b"v2 seule"),
        ]
        assert tombstone.approved_by == "visa" and tombstone.proposed_by == "archives"
        outcomes = {item.document_id: (item.outcome, item.reason) for item in done.items}
    assert outcomes[held_later][0] == "skipped" and "hold" in outcomes[held_later][1]
    with runtime.unit_of_work() as uow, pytest.raises(DocumentDestroyed) as gone:
        read_version(uow, people.archivist, alone, "document.view", deleted_is_gone=True)
    assert gone.value.tombstone["disposal_list"] == list_id
    with runtime.unit_of_work() as uow:
        report = check_blobs(uow, command_line())
    assert report.clean, report
    with runtime.unit_of_work() as uow:
        assert verify_database(uow.session, runtime.settings).ok
    assert actions(runtime).count("document.destroy") == 2
    assert {
        "disposal.propose",
        "disposal.submit",
        "disposal.approve",
        "disposal.skip",
        "disposal.execute",
    } <= set(actions(runtime))
    # Idempotent: a second run changes nothing.
    assert execute_list(runtime, list_id).executed_at == done.executed_at


def test_the_certificate_verifies_offline_and_fails_when_one_byte_changes(
    runtime, people: People, tmp_path
):
    document_id = file(runtime, people.archivist, b"facture certifiee")
    make_due(runtime, document_id)
    list_id = propose(runtime, people.archivist, [document_id])
    approve(runtime, people.authority, list_id)
    execute_list(runtime, list_id)
    with runtime.unit_of_work() as uow:
        stream, name, mime = certificate_file(uow, people.authority, list_id, "json")
        data = stream.read()
        stream.close()
    assert mime == "application/json" and name.endswith(".json")
    body = json.loads(data)["certificate"]
    assert body["list"]["approved_by"]["username"] == "visa"
    assert body["documents"][0]["versions"][0]["sha256"] == sha(b"facture certifiee")
    path = tmp_path / "certificat.json"
    path.write_bytes(data)
    assert verify_file(path).ok
    for position in (len(data) // 2, data.index(b'"value"') + 12, 3):
        changed = bytearray(data)
        changed[position] = ord("0") if changed[position] != ord("0") else ord("1")
        path.write_bytes(bytes(changed))
        assert not verify_file(path).ok, position
    for fmt, start in (("pdf", b"%PDF"), ("csv", b"document_id,")):
        with runtime.unit_of_work() as uow:
            stream, _name, _mime = certificate_file(uow, people.authority, list_id, fmt)
            assert stream.read().startswith(start)
            stream.close()


def test_an_approved_list_lost_by_the_queue_is_queued_again(runtime, people: People):
    document_id = file(runtime, people.archivist, b"a reprendre")
    make_due(runtime, document_id)
    list_id = propose(runtime, people.archivist, [document_id])
    approve(runtime, people.authority, list_id)
    with Redis.from_url(runtime.settings.redis.url) as connection:
        queue = Queue(runtime.settings.redis.queue, connection=connection)
        assert f"disposal-{list_id}" in queue.get_job_ids()
        queue.empty()
    from tests.ged.test_bulk import LaterRunner

    with LaterRunner(runtime).unit_of_work() as uow:
        assert requeue_approved_lists(uow) == [list_id]
    with Redis.from_url(runtime.settings.redis.url) as connection:
        assert (
            f"disposal-{list_id}"
            in Queue(runtime.settings.redis.queue, connection=connection).get_job_ids()
        )
