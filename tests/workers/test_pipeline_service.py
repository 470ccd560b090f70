"""The pipeline, index and recovery services on real SQLite, blob store, OpenSearch and Redis,
called as workers.jobs calls them (and through a real ``ged worker`` once)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from io import BytesIO

import pytest
from opensearchpy.exceptions import ConnectionError as SearchConnectionError
from redis import Redis
from rq import Queue
from sqlalchemy import func, select

from ged.access import Principal, command_line, principal_for
from ged.bootstrap import Runtime, build
from ged.errors import PermissionDenied, ServiceUnavailable
from ged.models import AuditEvent, Document, Page, User, Version
from ged.services.documents import Metadata, Upload, create_document
from ged.services.index_sync import rebuild_index, stale_entries
from ged.services.pipeline import abandoned_versions, process_version, requeue_abandoned
from ged.uow import UnitOfWork
from search.client import make_client
from tests.migrated import migrate
from tests.processes import run_worker_burst, wait_until

TEXT = b"Compte rendu du conseil d'ecole de Quimperle, texte brut.\n"


@dataclass(frozen=True)
class State:
    status: str
    step: str | None
    attempts: int
    pages: int
    beating: bool
    indexed: bool


@pytest.fixture
def make_runtime(make_settings) -> Iterator:
    runtimes: list[Runtime] = []

    def make(**sections: dict) -> Runtime:
        settings = make_settings(**sections)
        migrate(settings.database.url)
        runtimes.append(build(settings))
        return runtimes[-1]

    yield make
    for runtime in runtimes:
        runtime.close()
        client = make_client(runtime.settings.opensearch.urls)
        prefix = runtime.settings.opensearch.index_prefix
        with suppress(SearchConnectionError):  # the runtime whose OpenSearch is down made none
            client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        client.close()


@pytest.fixture
def runtime(make_runtime) -> Runtime:
    return make_runtime()


def archivist(uow: UnitOfWork) -> Principal:
    user = uow.session.scalars(select(User).where(User.username == "archives")).one_or_none()
    if user is None:
        user = User(username="archives", role="archivist", password_hash=None)
        uow.session.add(user)
        uow.session.flush()
    return principal_for(user)


def file_text(runtime: Runtime, content: bytes = TEXT) -> int:
    with runtime.unit_of_work() as uow:
        upload = Upload(BytesIO(content), "cr.txt")
        return create_document(uow, archivist(uow), upload, Metadata()).id


def state(runtime: Runtime, version_id: int) -> State:
    with runtime.unit_of_work() as uow:
        version = uow.session.get_one(Version, version_id)
        pages = uow.session.scalar(
            select(func.count()).select_from(Page).where(Page.version_id == version_id)
        )
        return State(
            version.status,
            version.step,
            version.attempts,
            pages or 0,
            version.heartbeat_at is not None,
            version.indexed_at is not None,
        )


def queued(runtime: Runtime) -> list[str]:
    with Redis.from_url(runtime.settings.redis.url) as connection:
        return Queue(runtime.settings.redis.queue, connection=connection).get_job_ids()


class Later:
    """A clock past the stale delay, for the recovery queries."""

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(hours=1)


def later(runtime: Runtime) -> UnitOfWork:
    return UnitOfWork(runtime.sessions, replace(runtime.adapters, clock=Later()))


def test_a_version_goes_through_every_step_once_and_is_found(runtime):
    version_id = file_text(runtime)
    assert queued(runtime) == [f"version-{version_id}"], "queued by the unit of work's commit"

    process_version(runtime, version_id)
    assert state(runtime, version_id) == State("done", "index", 1, 1, False, True)
    process_version(runtime, version_id)  # a second delivery of the job finds it finished
    assert state(runtime, version_id).attempts == 1

    def found() -> int:
        return runtime.adapters.index.search(
            q="Quimperle", acl=None, filters={}, sort="relevance", page=1, size=10
        )["total"]

    # the index makes new documents searchable at its next refresh (about a second)
    wait_until(lambda: found() == 1, 10, "search")


def test_pipeline_results_move_the_revision_and_leave_the_index_entry_fresh(runtime):
    version_id = file_text(runtime)
    with runtime.unit_of_work() as uow:
        document_id = uow.session.get_one(Version, version_id).document_id
    process_version(runtime, version_id)
    with runtime.unit_of_work() as uow:
        # Text read, type guessed, metadata found, status done: what GET shows has changed.
        assert uow.session.get_one(Document, document_id).revision > 1
        # The revisions of pipeline states keep updated_at, which the index entry matches.
        assert stale_entries(uow) == []


def test_a_resumed_run_starts_after_the_last_committed_step(runtime):
    version_id = file_text(runtime)
    with runtime.unit_of_work() as uow:  # as a worker killed after the metadata step left it
        version = uow.session.get_one(Version, version_id)
        version.status, version.step = "processing", "metadata"
        uow.commit()

    process_version(runtime, version_id)
    # extract did not run again: no pages were written, only the index step ran
    assert state(runtime, version_id) == State("done", "index", 1, 0, False, True)


def test_opensearch_down_gives_the_version_back_for_a_retry(make_runtime):
    runtime = make_runtime(opensearch={"urls": '["http://127.0.0.1:9"]', "timeout": 1})
    version_id = file_text(runtime)

    with pytest.raises(ServiceUnavailable):
        process_version(runtime, version_id)
    assert state(runtime, version_id) == State("processing", "metadata", 1, 1, False, False)


def test_abandoned_versions_are_queued_again_unless_their_job_waits(runtime):
    version_id = file_text(runtime)
    with runtime.unit_of_work() as uow:
        assert abandoned_versions(uow) == [], "new and untouched is not abandoned yet"
    with later(runtime) as uow:
        assert requeue_abandoned(uow) == [], "its job is still waiting in the queue"

    Queue(
        runtime.settings.redis.queue, connection=Redis.from_url(runtime.settings.redis.url)
    ).empty()
    with later(runtime) as uow:
        assert requeue_abandoned(uow) == [version_id]
        assert uow.queued_versions == {version_id}
    assert queued(runtime) == [f"version-{version_id}"]


def test_a_real_worker_runs_the_queued_pipeline(runtime):
    version_id = file_text(runtime)
    run_worker_burst(runtime.settings)
    assert state(runtime, version_id) == State("done", "index", 1, 1, False, True)


def test_rebuild_indexes_every_active_document_and_records_the_command(runtime):
    ids = [file_text(runtime, TEXT + bytes([65 + n])) for n in range(3)]
    done: list[tuple[int, int | None]] = []

    with runtime.unit_of_work() as uow:
        result = rebuild_index(uow, command_line(), lambda n, total: done.append((n, total)))
    assert result["indexed"] == 3
    assert done[-1] == (3, 3)
    with runtime.unit_of_work() as uow:
        event = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "cli.reindex")
        ).one()
        assert (event.actor, event.details) == (command_line().username, result)
        assert all(uow.session.get_one(Version, i).indexed_at is not None for i in ids)


def test_rebuild_is_refused_to_an_agent(runtime):
    agent = Principal(user_id=1, username="agent", role="agent", group_ids=frozenset())
    with runtime.unit_of_work() as uow, pytest.raises(PermissionDenied):
        rebuild_index(uow, agent)


INVOICE = (
    "FACTURE N° F-2024-0315\nDate de facture : 15/03/2024\nNuméro client : 4521\n"
    "Total HT : 1 000,00 €\nTVA 20 % : 200,00 €\nMontant TTC : 1 200,00 €\n"
    "Net à payer : 1 200,00 €\nÉchéance : 14/04/2024\nIndemnité forfaitaire pour frais "
    "de recouvrement : 40 €\n"
).encode()


def test_the_type_and_date_the_pipeline_finds_give_the_document_its_due_date(runtime):
    version_id = file_text(runtime, INVOICE)
    process_version(runtime, version_id)
    with runtime.unit_of_work() as uow:
        document = uow.session.get_one(Version, version_id).document
        assert document.document_type is not None
        assert document.document_type.code == "facture"
        assert document.document_date == date(2024, 3, 15)
        assert document.retention_rule is not None
        # the default rule for invoices: 10 years from their date
        assert document.due_date == date(2034, 3, 15)
