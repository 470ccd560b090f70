"""Bulk jobs as their services run them, on SQLite and PostgreSQL, real Redis and OpenSearch:
each document authorised with the requester's rights when the job runs, audited once, a
refused one listed in the job's errors; the bound; resumption after a crash; who sees a job.

``run_bulk`` runs in-process here, as the worker's job function calls it (the real worker
runs it in tests/workers/test_bulk_jobs.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pytest
from redis import Redis
from rq import Queue
from sqlalchemy import select

from ged.access import Principal, command_line, principal_for
from ged.bootstrap import Runtime, build
from ged.config import Settings
from ged.errors import InvalidInput, NotFound, PermissionDenied
from ged.models import AuditEvent, BulkJob, Document
from ged.services.acl import GrantSpec, grant_specs, replace_document_acl, replace_unit_acl
from ged.services.bulk import read_job, requeue_abandoned_jobs, run_bulk, start_bulk
from ged.services.documents import Metadata, Upload, create_document
from ged.services.index_sync import refresh_document
from ged.services.users import create_group, create_unit, create_user, update_user
from ged.uow import UnitOfWork
from search.client import make_client
from search.index import alias_name
from tests.migrated import migrate

PASSWORD = "mot de passe de test"


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request, make_settings, redis_client) -> Iterator[Runtime]:
    """A process's runtime on a database of its own (its jobs commit), and an empty Redis."""
    sections: dict = {"api": {"bulk_max_documents": 5}}
    if request.param == "postgresql":
        sections["database"] = {"url": request.getfixturevalue("fresh_postgres_url")}
    settings: Settings = make_settings(**sections)
    migrate(settings.database.url)
    runtime = build(settings)
    yield runtime
    runtime.close()
    client = make_client(settings.opensearch.urls)
    client.indices.delete(index=f"{settings.opensearch.index_prefix}-*", ignore_unavailable=True)
    client.close()


@dataclass(frozen=True)
class People:
    archivist: Principal
    admin: Principal
    agent: Principal
    other_archivist: Principal


@pytest.fixture
def people(runtime: Runtime) -> People:
    """An archivist, an admin, an agent of group 'urbanisme' (write on unit Urbanisme),
    and a second archivist; units Urbanisme and Finances."""
    operator = command_line()
    with runtime.unit_of_work() as uow:
        create_group(uow, operator, "urbanisme")
    with runtime.unit_of_work() as uow:
        create_unit(uow, operator, "Urbanisme")
    with runtime.unit_of_work() as uow:
        create_unit(uow, operator, "Finances")
    found = {}
    for name, role, groups in [
        ("archives", "archivist", ()),
        ("chef", "admin", ()),
        ("agent", "agent", ("urbanisme",)),
        ("archives2", "archivist", ()),
    ]:
        with runtime.unit_of_work() as uow:
            found[name] = principal_for(create_user(uow, operator, name, role, PASSWORD, groups))
    with runtime.unit_of_work() as uow:
        replace_unit_acl(uow, operator, "Urbanisme", [GrantSpec("group:urbanisme", "write")])
    return People(found["archives"], found["chef"], found["agent"], found["archives2"])


def file(runtime: Runtime, who: Principal, title: str, unit: str | None = None) -> int:
    content = f"{title}.\n".encode()
    with runtime.unit_of_work() as uow:
        metadata = Metadata(title=title, unit=unit)
        return create_document(
            uow, who, Upload(io.BytesIO(content), "cr.txt"), metadata
        ).document_id


def start(runtime: Runtime, who: Principal, operation: dict, selection: dict) -> int:
    with runtime.unit_of_work() as uow:
        return start_bulk(uow, who, {"operation": operation, "selection": selection}).id


def job(runtime: Runtime, job_id: int) -> BulkJob:
    with runtime.unit_of_work() as uow:
        return uow.session.get_one(BulkJob, job_id)


def tags(runtime: Runtime, document_id: int) -> list[str]:
    with runtime.unit_of_work() as uow:
        return [tag.name for tag in uow.session.get_one(Document, document_id).tags]


def events(runtime: Runtime, action: str) -> list[AuditEvent]:
    with runtime.unit_of_work() as uow:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.seq)
        return list(uow.session.scalars(query))


def queued(runtime: Runtime) -> list[str]:
    with Redis.from_url(runtime.settings.redis.url) as connection:
        return Queue(runtime.settings.redis.queue, connection=connection).get_job_ids()


class Later:
    """A clock past the stale delay: the heartbeat of a crashed run looks old."""

    def now(self) -> datetime:
        return datetime.now(UTC) + timedelta(hours=1)


@dataclass
class LaterRunner:
    runtime: Runtime

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.runtime.sessions, replace(self.runtime.adapters, clock=Later()))


class Crash(BaseException):
    """The worker dying (nothing in ged catches it, as nothing runs after a SIGKILL)."""


@dataclass
class CrashingRunner:
    """Commits normally ``commits`` times, then dies in the middle of the next commit."""

    runtime: Runtime
    commits: int

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def unit_of_work(self) -> UnitOfWork:
        runner = self

        class Dying(UnitOfWork):
            def commit(self) -> None:
                if runner.commits == 0:
                    raise Crash
                runner.commits -= 1
                super().commit()

        return Dying(self.runtime.sessions, self.runtime.adapters)


def test_a_job_by_ids_changes_each_document_once_and_lists_the_missing_one(runtime, people):
    ids = [file(runtime, people.archivist, f"Commission {n}") for n in range(3)]
    job_id = start(
        runtime, people.archivist, {"kind": "add_tags", "tags": ["urgent"]}, {"ids": [*ids, 999]}
    )
    assert f"bulk-{job_id}" in queued(runtime), "queued once the start was committed"
    started = job(runtime, job_id)
    assert (started.status, started.total, started.processed) == ("queued", 4, 0)
    [begun] = events(runtime, "bulk.start")
    assert (begun.actor, begun.object_type, begun.object_id) == (
        "archives",
        "bulk_job",
        str(job_id),
    )
    assert begun.details["operation"] == {"kind": "add_tags", "tags": ["urgent"]}

    run_bulk(runtime, job_id)

    done = job(runtime, job_id)
    assert (done.status, done.total, done.processed, done.succeeded, done.failed) == (
        "done",
        4,
        4,
        3,
        1,
    )
    assert done.errors == [{"document_id": 999, "detail": "document 999 does not exist"}]
    assert done.started_at is not None and done.finished_at is not None
    assert all(tags(runtime, document_id) == ["urgent"] for document_id in ids)
    updates = events(runtime, "document.update")
    assert [(e.object_id, e.actor, e.details["bulk_job"]) for e in updates] == [
        (str(document_id), "archives", job_id) for document_id in ids
    ]
    assert updates[0].details["after"] == {"tags": ["urgent"]}
    assert {f"index-{document_id}" for document_id in ids} <= set(queued(runtime))


def test_a_document_already_as_asked_is_unchanged_and_not_audited(runtime, people):
    first, second = (file(runtime, people.archivist, f"Note {n}", "Urbanisme") for n in range(2))
    job_id = start(
        runtime, people.archivist, {"kind": "set_unit", "unit": "Finances"}, {"ids": [first]}
    )
    run_bulk(runtime, job_id)
    again = start(
        runtime,
        people.archivist,
        {"kind": "set_unit", "unit": "Finances"},
        {"ids": [first, second]},
    )
    run_bulk(runtime, again)
    done = job(runtime, again)
    assert (done.succeeded, done.unchanged, done.failed) == (2, 1, 0)
    moved = [event.object_id for event in events(runtime, "document.update")]
    assert moved == [str(first), str(second)]


def test_each_document_is_decided_by_the_requesters_rights_when_the_job_runs(runtime, people):
    writable = file(runtime, people.admin, "Permis de construire", "Urbanisme")
    unseen = file(runtime, people.admin, "Budget", "Finances")
    readable = file(runtime, people.admin, "Marché public", "Finances")
    with runtime.unit_of_work() as uow:
        grants = [GrantSpec("user:chef", "manage"), GrantSpec("user:archives", "read")]
        replace_document_acl(uow, people.admin, readable, True, grants)
    job_id = start(
        runtime,
        people.archivist,
        {"kind": "set_document_type", "document_type": "arrete"},
        {"ids": [writable, unseen, readable]},
    )
    # Before the job runs, the archivist becomes an agent of group urbanisme.
    with runtime.unit_of_work() as uow:
        update_user(uow, command_line(), "archives", role="agent", groups=("urbanisme",))

    run_bulk(runtime, job_id)

    done = job(runtime, job_id)
    assert (done.status, done.succeeded, done.failed) == ("done", 1, 2)
    assert done.errors == [
        {"document_id": unseen, "detail": f"document {unseen} does not exist"},
        {
            "document_id": readable,
            "detail": f"you may read document {readable} but not modify it",
        },
    ]
    with runtime.unit_of_work() as uow:
        types = {
            document.id: document.document_type.code if document.document_type else None
            for document in uow.session.scalars(select(Document))
        }
    assert types == {writable: "arrete", unseen: None, readable: None}
    assert [e.object_id for e in events(runtime, "document.update")] == [str(writable)]


def test_a_job_whose_requester_was_disabled_fails_and_changes_nothing(runtime, people):
    document_id = file(runtime, people.archivist, "Délibération")
    job_id = start(
        runtime, people.archivist, {"kind": "add_tags", "tags": ["a-voir"]}, {"ids": [document_id]}
    )
    with runtime.unit_of_work() as uow:
        update_user(uow, command_line(), "archives", is_active=False)

    run_bulk(runtime, job_id)

    failed = job(runtime, job_id)
    assert (failed.status, failed.processed) == ("failed", 0)
    assert "'archives'" in failed.reason and "disabled" in failed.reason
    assert tags(runtime, document_id) == []


def test_a_selection_over_the_bound_is_refused_naming_the_bound(runtime, people):
    with runtime.unit_of_work() as uow, pytest.raises(InvalidInput) as refused:
        start_bulk(
            uow,
            people.archivist,
            {
                "operation": {"kind": "add_tags", "tags": ["x"]},
                "selection": {"ids": [1, 2, 3, 4, 5, 6]},
            },
        )
    assert "at most 5" in str(refused.value) and "bulk_max_documents" in str(refused.value)
    assert refused.value.field == "selection.ids"
    # Repeated ids count once.
    job_id = start(runtime, people.archivist, {"kind": "add_tags", "tags": ["x"]}, {"ids": [1] * 9})
    assert job(runtime, job_id).document_ids == [1]


def index_now(runtime: Runtime, document_ids: list[int]) -> None:
    """Index the documents at once, as the pipeline's last step would."""
    for document_id in document_ids:
        with runtime.unit_of_work() as uow:
            refresh_document(uow, document_id)
    client = make_client(runtime.settings.opensearch.urls)
    client.indices.refresh(index=alias_name(runtime.settings.opensearch.index_prefix))
    client.close()


def test_a_search_selection_takes_the_hits_up_to_the_bound_and_says_it_was_cut(runtime, people):
    commissions = [file(runtime, people.archivist, f"Commission {n}") for n in range(7)]
    other = file(runtime, people.archivist, "Inventaire du mobilier")
    index_now(runtime, [*commissions, other])

    job_id = start(
        runtime,
        people.archivist,
        {"kind": "add_tags", "tags": ["commission"]},
        {"search": {"q": "commission", "filters": {}}},
    )

    started = job(runtime, job_id)
    assert (started.total, started.matched, started.cut) == (5, 7, True)
    assert set(started.document_ids) < set(commissions)
    run_bulk(runtime, job_id)
    assert job(runtime, job_id).succeeded == 5
    assert tags(runtime, other) == []


def test_a_crashed_job_resumed_changes_every_document_exactly_once(runtime, people):
    ids = [file(runtime, people.archivist, f"Registre {n}") for n in range(5)]
    job_id = start(
        runtime, people.archivist, {"kind": "add_tags", "tags": ["registre"]}, {"ids": ids}
    )

    # The claim commits, then two documents, then the worker dies during the third.
    with pytest.raises(Crash):
        run_bulk(CrashingRunner(runtime, commits=3), job_id)
    crashed = job(runtime, job_id)
    assert (crashed.status, crashed.processed, crashed.succeeded) == ("running", 2, 2)
    assert [tags(runtime, document_id) for document_id in ids[2:]] == [[], [], []]

    run_bulk(runtime, job_id)  # its heartbeat is fresh: someone may still be running it
    assert job(runtime, job_id).processed == 2

    run_bulk(LaterRunner(runtime), job_id)  # later, it is abandoned: take it up again
    done = job(runtime, job_id)
    assert (done.status, done.processed, done.succeeded, done.unchanged) == ("done", 5, 5, 0)
    assert all(tags(runtime, document_id) == ["registre"] for document_id in ids)
    updates = events(runtime, "document.update")
    assert sorted(int(event.object_id) for event in updates) == ids


def test_acl_operations_replace_or_add_grants_audited_as_acl_changes(runtime, people):
    first, second = (file(runtime, people.archivist, f"Contrat {n}") for n in range(2))
    added = start(
        runtime,
        people.archivist,
        {"kind": "add_grants", "grants": [{"principal": "group:urbanisme", "permission": "read"}]},
        {"ids": [first, second]},
    )
    run_bulk(runtime, added)
    replaced = start(
        runtime,
        people.archivist,
        {
            "kind": "replace_acl",
            "inherit": False,
            "grants": [{"principal": "user:chef", "permission": "manage"}],
        },
        {"ids": [second]},
    )
    run_bulk(runtime, replaced)

    with runtime.unit_of_work() as uow:
        specs = {
            document_id: grant_specs(uow.session, uow.session.get_one(Document, document_id))
            for document_id in (first, second)
        }
        inherits = uow.session.get_one(Document, second).inherit_acl
    assert specs[first] == [
        GrantSpec("user:archives", "manage"),
        GrantSpec("group:urbanisme", "read"),
    ]
    assert specs[second] == [GrantSpec("user:chef", "manage")] and inherits is False
    changes = [e for e in events(runtime, "acl.change") if e.object_type == "document"]
    assert [(e.object_id, e.details["bulk_job"]) for e in changes] == [
        (str(first), added),
        (str(second), added),
        (str(second), replaced),
    ]


@pytest.mark.parametrize(
    ("operation", "field", "words"),
    [
        ({"kind": "rename"}, "operation", "kind one of"),
        ({"kind": "set_document_type", "document_type": "recette"}, "document_type", "recette"),
        ({"kind": "set_unit"}, "operation.unit", "null to clear"),
        ({"kind": "set_unit", "unit": "Voirie"}, "unit", "Voirie"),
        ({"kind": "add_tags", "tags": [" "]}, "operation.tags", "at least one tag"),
        ({"kind": "add_tags", "tags": ["x" * 101]}, "tags", "longer than 100"),
        (
            {"kind": "add_grants", "grants": [{"principal": "group:nul", "permission": "read"}]},
            "grants",
            "no group named 'nul'",
        ),
        (
            {"kind": "replace_acl", "grants": [{"principal": "user:chef", "permission": "all"}]},
            "grants",
            "unknown permission",
        ),
    ],
)
def test_an_operation_that_cannot_be_done_is_refused_before_anything_is_queued(
    runtime, people, operation, field, words
):
    with runtime.unit_of_work() as uow, pytest.raises(InvalidInput) as refused:
        start_bulk(uow, people.archivist, {"operation": operation, "selection": {"ids": [1]}})
    assert refused.value.field == field and words in str(refused.value)
    assert queued(runtime) == []


@pytest.mark.parametrize(
    "selection",
    [{}, {"ids": []}, {"ids": ["1"]}, {"ids": [0]}, {"ids": [1], "search": {}}, {"search": []}],
)
def test_a_selection_that_selects_nothing_sensible_is_refused(runtime, people, selection):
    with runtime.unit_of_work() as uow, pytest.raises(InvalidInput) as refused:
        start_bulk(
            uow,
            people.archivist,
            {"operation": {"kind": "add_tags", "tags": ["x"]}, "selection": selection},
        )
    assert refused.value.field.startswith("selection")


def test_only_archivists_and_administrators_start_a_bulk_job(runtime, people):
    with runtime.unit_of_work() as uow, pytest.raises(PermissionDenied) as refused:
        start_bulk(
            uow,
            people.agent,
            {"operation": {"kind": "add_tags", "tags": ["x"]}, "selection": {"ids": [1]}},
        )
    assert refused.value.rule == "bulk.start"


def test_a_job_is_seen_by_its_requester_and_administrators_only(runtime, people):
    job_id = start(runtime, people.archivist, {"kind": "add_tags", "tags": ["x"]}, {"ids": [1]})
    for who in (people.archivist, people.admin):
        with runtime.unit_of_work() as uow:
            assert read_job(uow, who, job_id).id == job_id
    for who in (people.other_archivist, people.agent):
        with runtime.unit_of_work() as uow, pytest.raises(NotFound) as hidden:
            read_job(uow, who, job_id)
        assert str(hidden.value) == f"job {job_id} does not exist"


def test_recovery_queues_again_a_job_lost_with_redis_but_not_one_running(
    runtime, people, redis_client
):
    lost = start(runtime, people.archivist, {"kind": "add_tags", "tags": ["x"]}, {"ids": [1]})
    running = start(runtime, people.archivist, {"kind": "add_tags", "tags": ["y"]}, {"ids": [1]})
    redis_client.flushdb()
    with runtime.unit_of_work() as uow:
        uow.session.get_one(BulkJob, running).heartbeat_at = Later().now()
        uow.session.get_one(BulkJob, running).status = "running"
        uow.commit()

    with LaterRunner(runtime).unit_of_work() as uow:
        assert requeue_abandoned_jobs(uow) == [lost]
    assert queued(runtime) == [f"bulk-{lost}"]
    with LaterRunner(runtime).unit_of_work() as uow:
        assert requeue_abandoned_jobs(uow) == [], "its run is waiting in the queue"


def test_a_preview_checks_and_counts_as_the_start_would_and_starts_nothing(runtime, people):
    from ged.services.bulk import preview_bulk

    commissions = [file(runtime, people.archivist, f"Commission {n}") for n in range(7)]
    index_now(runtime, commissions)
    request = {
        "operation": {"kind": "add_tags", "tags": ["commission"]},
        "selection": {"search": {"q": "commission", "filters": {}}},
    }
    with runtime.unit_of_work() as uow:
        preview = preview_bulk(uow, people.archivist, request)
    assert (preview.count, preview.matched, preview.bound) == (5, 7, 5)
    with runtime.unit_of_work() as uow:
        by_ids = preview_bulk(uow, people.archivist, {**request, "selection": {"ids": [1, 2]}})
    assert (by_ids.count, by_ids.matched) == (2, None)
    assert events(runtime, "bulk.start") == []
    assert not [name for name in queued(runtime) if name.startswith("bulk-")]
    with runtime.unit_of_work() as uow, pytest.raises(PermissionDenied):
        preview_bulk(uow, people.agent, request)
    wrong = {**request, "operation": {"kind": "set_document_type", "document_type": "zzz"}}
    with runtime.unit_of_work() as uow, pytest.raises(InvalidInput):
        preview_bulk(uow, people.archivist, wrong)
