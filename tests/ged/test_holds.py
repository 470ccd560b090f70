"""Legal holds, on SQLite and PostgreSQL: a held document resists delete and bulk delete by
an administrator, and (PostgreSQL) a direct SQL DELETE or status change by the database's
owner; releasing lets the delete through; who may place, release and read; the audit."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from ged.bootstrap import Runtime
from ged.errors import Conflict, InvalidInput, PermissionDenied
from ged.models import BulkJob
from ged.services import holds
from ged.services.bulk import run_bulk, start_bulk
from ged.services.documents import delete_document, undelete_document
from ged.timeutil import today
from tests.ged.lifecycle_setup import People, document, events, file, people, runtime

__all__ = ["people", "runtime"]


def place(runtime: Runtime, who, ids: list[int], ends_on: date | None = None) -> int:
    with runtime.unit_of_work() as uow:
        return holds.place_hold(uow, who, "contentieux Dupont c/ commune", {"ids": ids}, ends_on).id


def test_a_held_document_resists_delete_by_an_admin_until_released(
    runtime: Runtime, people: People
):
    held, free = file(runtime, people.agent), file(runtime, people.agent)
    hold_id = place(runtime, people.archivist, [held])
    with runtime.unit_of_work() as uow:
        assert holds.held_document_ids(uow.session, [held, free]) == {held}
    with (
        runtime.unit_of_work() as uow,
        pytest.raises(Conflict, match=f"legal hold {hold_id} \\(contentieux Dupont"),
    ):
        delete_document(uow, people.admin, held)
    assert document(runtime, held).status == "active"
    with runtime.unit_of_work() as uow:
        delete_document(uow, people.admin, free)

    with runtime.unit_of_work() as uow:
        released = holds.release_hold(uow, people.archivist, hold_id, "jugement rendu")
    assert released.release_reason == "jugement rendu"
    with runtime.unit_of_work() as uow:
        delete_document(uow, people.admin, held)
    assert document(runtime, held).status == "deleted"

    [placed] = events(runtime, "hold.place")
    assert placed.object_id == str(hold_id)
    assert placed.details["document_ids"] == [held]
    assert placed.details["reason"] == "contentieux Dupont c/ commune"
    [release] = events(runtime, "hold.release")
    assert release.details == {"reason": "jugement rendu", "document_count": 1}
    with runtime.unit_of_work() as uow, pytest.raises(Conflict, match="already released"):
        holds.release_hold(uow, people.archivist, hold_id, "encore")


def test_bulk_delete_skips_held_documents_and_lists_them(runtime: Runtime, people: People):
    held, free = file(runtime, people.agent), file(runtime, people.agent)
    hold_id = place(runtime, people.archivist, [held])
    with runtime.unit_of_work() as uow:
        request = {"operation": {"kind": "delete"}, "selection": {"ids": [held, free]}}
        job_id = start_bulk(uow, people.admin, request).id
    run_bulk(runtime, job_id)
    with runtime.unit_of_work() as uow:
        job = uow.session.get_one(BulkJob, job_id)
        assert (job.succeeded, job.failed) == (1, 1)
        assert job.errors[0]["document_id"] == held
        assert f"legal hold {hold_id}" in job.errors[0]["detail"]
    assert document(runtime, held).status == "active"
    assert document(runtime, free).status == "deleted"
    [deleted] = events(runtime, "document.delete")
    assert deleted.details == {"bulk_job": job_id}


def test_a_hold_ends_after_its_last_day(runtime: Runtime, people: People):
    doc = file(runtime, people.agent)
    hold_id = place(runtime, people.archivist, [doc], ends_on=today())
    with runtime.unit_of_work() as uow:
        assert holds.held_document_ids(uow.session, [doc]) == {doc}
        hold = holds.read_hold(uow, people.archivist, hold_id)
        assert holds.is_in_force(hold)
        assert not holds.is_in_force(hold, today() + timedelta(days=1))
    with runtime.unit_of_work() as uow, pytest.raises(InvalidInput) as refused:
        holds.place_hold(uow, people.archivist, "x", {"ids": [doc]}, today() - timedelta(days=1))
    assert refused.value.field == "ends_on"


def test_holds_are_placed_and_read_by_archivists_and_admins_only(runtime: Runtime, people: People):
    doc, other = file(runtime, people.agent), file(runtime, people.agent)
    for who in (people.agent, people.auditor):
        with runtime.unit_of_work() as uow, pytest.raises(PermissionDenied):
            holds.place_hold(uow, who, "raison", {"ids": [doc]})
        with runtime.unit_of_work() as uow, pytest.raises(PermissionDenied):
            holds.list_holds(uow, who)
    with runtime.unit_of_work() as uow, pytest.raises(InvalidInput) as refused:
        holds.place_hold(uow, people.admin, "  ", {"ids": [doc]})
    assert refused.value.field == "reason"
    with runtime.unit_of_work() as uow, pytest.raises(InvalidInput, match="no document has"):
        holds.place_hold(uow, people.admin, "raison", {"ids": [doc, 99999]})

    hold_id = place(runtime, people.admin, [doc])
    with runtime.unit_of_work() as uow:
        holds.add_to_hold(uow, people.archivist, hold_id, {"ids": [doc, other]})
    with runtime.unit_of_work() as uow:
        listed = holds.hold_documents(uow, people.archivist, hold_id).items
        assert [d.id for d in listed] == [doc, other]
        assert [h.id for h in holds.document_holds(uow, people.archivist, other)] == [hold_id]
        assert [h.id for h in holds.list_holds(uow, people.archivist, current=True).items] == [
            hold_id
        ]
        assert holds.list_holds(uow, people.archivist, current=False).items == []
    [added] = events(runtime, "hold.add")
    assert added.details == {"document_ids": [other]}


def test_a_deleted_document_under_hold_cannot_be_deleted_again_nor_is_undelete_refused(
    runtime: Runtime, people: People
):
    doc = file(runtime, people.agent)
    with runtime.unit_of_work() as uow:
        delete_document(uow, people.admin, doc)
    place(runtime, people.archivist, [doc])
    # restoring is not destroying: a held document may come back
    with runtime.unit_of_work() as uow:
        undelete_document(uow, people.archivist, doc)
    assert document(runtime, doc).status == "active"


@pytest.mark.parametrize("runtime", ["postgresql"], indirect=True)
def test_postgresql_refuses_a_direct_delete_of_a_held_document(runtime: Runtime, people: People):
    doc = file(runtime, people.agent)
    hold_id = place(runtime, people.archivist, [doc])
    statements = [
        "DELETE FROM versions WHERE document_id = :doc",
        "DELETE FROM documents WHERE id = :doc",
        "UPDATE documents SET status = 'deleted' WHERE id = :doc",
    ]
    for statement in statements:
        with runtime.engine.connect() as connection, pytest.raises(DBAPIError) as refused:
            connection.execute(text(statement), {"doc": doc})
        assert f"under legal hold {hold_id}" in str(refused.value.orig)
    with runtime.engine.begin() as connection:  # other columns may change
        connection.execute(text("UPDATE documents SET title = 'x' WHERE id = :doc"), {"doc": doc})

    with runtime.unit_of_work() as uow:
        holds.release_hold(uow, people.archivist, hold_id, "fin du contentieux")
    with runtime.engine.begin() as connection:
        connection.execute(text("DELETE FROM pages"))
        connection.execute(text(statements[0]), {"doc": doc})
        connection.execute(text(statements[2]), {"doc": doc})
    assert document(runtime, doc).status == "deleted"
