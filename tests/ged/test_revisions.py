"""A document's revision, on SQLite and PostgreSQL: it moves with every change of the
document, a stale one is refused as a precondition, and concurrent edits of the same
documents each apply on top of the one committed before them: none is lost, none merges
into another, none ends in a database error.

Threads stand for clients: each call runs in a unit of work of its own, from one
``ged.bootstrap`` runtime per database, as concurrent requests of one web process do.
"""

from __future__ import annotations

import io
import threading
import traceback
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator

import pytest
from sqlalchemy import func, select

from ged.access import Principal, command_line, principal_for
from ged.bootstrap import Runtime, build
from ged.errors import ConcurrentChange, Conflict, InvalidInput, PreconditionFailed
from ged.models import AuditEvent, Document, Tag
from ged.services.acl import GrantSpec, document_grants, replace_document_acl, replace_unit_acl
from ged.services.documents import (
    Metadata,
    Upload,
    add_version,
    create_document,
    delete_document,
    restore_version,
    undelete_document,
    update_metadata,
)
from ged.services.revisions import document_etag, revision_from_etag
from ged.services.users import create_group, create_unit, create_user
from tests.migrated import migrate

THREADS = 8
EDITS = 25
DOCUMENTS = 3
#: one edit in ACL_EVERY changes the document's grants instead of its tags
ACL_EVERY = 5


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request, make_settings, redis_client) -> Iterator[Runtime]:
    """A runtime whose units of work really commit (no outer savepoint), as a server's do."""
    if request.param == "postgresql":
        settings = make_settings(database={"url": request.getfixturevalue("fresh_postgres_url")})
    else:
        settings = make_settings()
        migrate(settings.database.url)
    built = build(settings)
    yield built
    built.close()


def archive(runtime: Runtime, documents: int = 1) -> tuple[Principal, list[int]]:
    """An archivist, a group 'lecteurs' and a unit 'Urbanisme' to grant, and documents
    tagged 'initial' in that unit."""
    with runtime.unit_of_work() as uow:
        archivist = principal_for(
            create_user(uow, command_line(), "archiviste", "archivist", "mot de passe sûr")
        )
    with runtime.unit_of_work() as uow:
        create_group(uow, command_line(), "lecteurs")
    with runtime.unit_of_work() as uow:
        create_unit(uow, command_line(), "Urbanisme")
    ids = []
    for number in range(documents):
        with runtime.unit_of_work() as uow:
            upload = Upload(io.BytesIO(f"arrêté {number}".encode()), f"arrete-{number}.txt")
            metadata = Metadata(tags=("initial",), unit="Urbanisme")
            ids.append(create_document(uow, archivist, upload, metadata).document_id)
    return archivist, ids


def revision_of(runtime: Runtime, document_id: int) -> int:
    with runtime.unit_of_work() as uow:
        return uow.session.get_one(Document, document_id).revision


def events_of(runtime: Runtime, action: str, document_id: int) -> list[dict]:
    """The details of the document's events of ``action``, in the order they committed
    (the audit chain serialises writers until their commit, so seq is commit order)."""
    with runtime.unit_of_work() as uow:
        query = (
            select(AuditEvent.details)
            .where(AuditEvent.action == action, AuditEvent.object_id == str(document_id))
            .order_by(AuditEvent.seq)
        )
        return list(uow.session.scalars(query))


def tags(*names: str) -> Metadata:
    return Metadata(tags=names)


# --- the revision moves with every change ------------------------------------------------


def test_every_change_of_a_document_moves_its_revision_by_one(runtime):
    archivist, [document_id] = archive(runtime)
    readers = [GrantSpec("group:lecteurs", "read"), GrantSpec("user:archiviste", "manage")]
    changes: list[tuple[str, Callable]] = [
        ("metadata", lambda uow: update_metadata(uow, archivist, document_id, tags("a"), {"tags"})),
        ("acl", lambda uow: replace_document_acl(uow, archivist, document_id, False, readers)),
        ("unit acl", lambda uow: replace_unit_acl(uow, archivist, "Urbanisme", readers[:1])),
        (
            "version",
            lambda uow: add_version(
                uow, archivist, document_id, Upload(io.BytesIO(b"v2"), "v2.txt"), ""
            ),
        ),
        ("restore", lambda uow: restore_version(uow, archivist, document_id, 1, "")),
        ("delete", lambda uow: delete_document(uow, archivist, document_id)),
        ("undelete", lambda uow: undelete_document(uow, archivist, document_id)),
    ]
    assert revision_of(runtime, document_id) == 1
    for number, (what, change) in enumerate(changes, start=2):
        with runtime.unit_of_work() as uow:
            change(uow)
        assert revision_of(runtime, document_id) == number, what


def test_the_etag_is_the_revision_and_if_match_gives_it_back():
    document = Document(revision=7)
    assert document_etag(document) == '"7"'
    assert revision_from_etag(document_etag(document)) == 7
    assert revision_from_etag(' "12" ') == 12
    assert revision_from_etag("*") is None


@pytest.mark.parametrize("value", ['W/"7"', "7", '"7", "8"', '"07"', '"-1"', '""', '"७"'])
def test_if_match_that_names_no_revision_is_refused_naming_the_header(value):
    with pytest.raises(InvalidInput, match="If-Match takes the ETag") as refused:
        revision_from_etag(value)
    assert refused.value.field == "If-Match"


# --- preconditions -------------------------------------------------------------------------


def test_an_edit_from_a_stale_revision_is_refused_and_changes_nothing(runtime):
    archivist, [document_id] = archive(runtime)
    with runtime.unit_of_work() as uow:
        edited = update_metadata(
            uow, archivist, document_id, tags("lu"), {"tags"}, expected_revision=1
        )
        assert document_etag(edited) == '"2"'  # the new revision, for the answer's ETag
    with pytest.raises(PreconditionFailed) as refused, runtime.unit_of_work() as uow:
        update_metadata(uow, archivist, document_id, tags("perdu"), {"tags"}, expected_revision=1)

    assert refused.value.current_revision == 2
    assert "changed since you read it" in str(refused.value)
    assert "now at revision 2" in str(refused.value)
    with runtime.unit_of_work() as uow:
        assert [tag.name for tag in uow.session.get_one(Document, document_id).tags] == ["lu"]
    assert len(events_of(runtime, "document.update", document_id)) == 1
    assert revision_of(runtime, document_id) == 2


def test_an_acl_change_from_a_stale_revision_is_refused_and_changes_nothing(runtime):
    archivist, [document_id] = archive(runtime)
    before = revision_of(runtime, document_id)
    with runtime.unit_of_work() as uow:
        update_metadata(uow, archivist, document_id, tags("entre-temps"), {"tags"})
    grants = [GrantSpec("group:lecteurs", "read")]
    with pytest.raises(PreconditionFailed) as refused, runtime.unit_of_work() as uow:
        replace_document_acl(uow, archivist, document_id, True, grants, expected_revision=before)

    assert refused.value.current_revision == before + 1
    with runtime.unit_of_work() as uow:
        kept = document_grants(uow, archivist, document_id)["grants"]
        assert kept == [{"principal": "user:archiviste", "permission": "manage"}]
        applied = replace_document_acl(
            uow, archivist, document_id, True, grants, expected_revision=before + 1
        )
    assert applied["grants"] == [{"principal": "group:lecteurs", "permission": "read"}]
    assert applied["revision"] == revision_of(runtime, document_id) == before + 2


def test_an_update_from_a_stale_copy_is_a_conflict_not_a_database_error(runtime):
    """The net under a path that changes a document without locking it first."""
    archivist, [document_id] = archive(runtime)
    with runtime.unit_of_work() as stale:
        copy = stale.session.get_one(Document, document_id)
        with runtime.unit_of_work() as uow:
            update_metadata(uow, archivist, document_id, tags("avant"), {"tags"})
        copy.title = "écrit sur une copie périmée"
        with pytest.raises(ConcurrentChange, match="changed by someone else at the same time"):
            stale.commit()
    with runtime.unit_of_work() as uow:
        assert uow.session.get_one(Document, document_id).title == "arrete-0"


# --- concurrent edits ----------------------------------------------------------------------


def run_concurrently(count: int, work: Callable[[int], None]) -> list[str]:
    """Run ``work(0..count-1)`` in threads started together; the tracebacks of what failed."""
    barrier = threading.Barrier(count)
    errors: list[str] = []

    def worker(index: int) -> None:
        try:
            barrier.wait()
            work(index)
        except BaseException:  # noqa: BLE001 - reported by the test
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return errors


def test_concurrent_tag_and_acl_edits_lose_nothing_and_fail_only_with_conflict(runtime):
    archivist, ids = archive(runtime, DOCUMENTS)
    tagged: dict[int, list[tuple[str, ...]]] = defaultdict(list)
    granted: dict[int, list[str]] = defaultdict(list)
    conflicts: list[str] = []
    lock = threading.Lock()

    def edit(thread: int) -> None:
        for number in range(EDITS):
            document_id = ids[(thread + number) % DOCUMENTS]
            try:
                with runtime.unit_of_work() as uow:
                    if number % ACL_EVERY == ACL_EVERY - 1:
                        permission = ("read", "write", "manage")[(thread + number) % 3]
                        grant = GrantSpec("group:lecteurs", permission)
                        replace_document_acl(uow, archivist, document_id, True, [grant])
                        with lock:
                            granted[document_id].append(permission)
                    else:
                        # A tag of this edit alone, so that every edit changes the tags, and
                        # two new tags that every thread creates at the same moment, in
                        # opposite orders by turns (on other documents, too).
                        shared = [f"commun-{number % 4}", f"commun-{(number + 1) % 4}"]
                        names = (f"t{thread}-{number}", *shared[:: 1 - 2 * (thread % 2)])
                        update_metadata(uow, archivist, document_id, tags(*names), {"tags"})
                        with lock:
                            tagged[document_id].append(tuple(sorted(names)))
            except Conflict as exc:
                with lock:
                    conflicts.append(str(exc))

    errors = run_concurrently(THREADS, edit)

    assert errors == [], errors[0]
    # Every edit waited for the one before it: none even had to be refused.
    assert conflicts == []
    for document_id in ids:
        updates = events_of(runtime, "document.update", document_id)
        # Each edit that succeeded is in the trail once, and nothing else is.
        assert Counter(tuple(event["after"]["tags"]) for event in updates) == Counter(
            tagged[document_id]
        )
        # Each edit started from the tags the edit committed before it left: none was lost.
        previous = ["initial"]
        for event in updates:
            assert event["before"]["tags"] == previous
            previous = event["after"]["tags"]
        changes = events_of(runtime, "acl.change", document_id)
        assert Counter(event["after"]["grants"][0]["permission"] for event in changes) == Counter(
            granted[document_id]
        )
        previous_grants = [{"principal": "user:archiviste", "permission": "manage"}]
        for event in changes:
            assert event["before"]["grants"] == previous_grants
            previous_grants = event["after"]["grants"]
        with runtime.unit_of_work() as uow:
            document = uow.session.get_one(Document, document_id)
            assert [tag.name for tag in document.tags] == previous
            assert document_grants(uow, archivist, document_id)["grants"] == previous_grants
            # One revision per change, from 1 at filing.
            assert document.revision == 1 + len(updates) + len(changes)
    with runtime.unit_of_work() as uow:
        shared = select(func.count()).select_from(Tag).where(Tag.name.like("commun-%"))
        assert uow.session.scalar(shared) == 4  # each created once, by whichever came first
