"""A visa given, ged's worker (a burst) destroys the list; the daily count of the
queues is written once a day whatever the number of workers. SQLite and PostgreSQL."""

from __future__ import annotations

from redis import Redis
from sqlalchemy import select

from ged.models import AuditEvent, DisposalList
from ged.services import disposal
from tests.ged import disposal_setup
from tests.ged.disposal_setup import People, file, make_due
from tests.processes import run_worker_burst
from workers.recovery import daily_disposal_queues

runtime = disposal_setup.runtime
people = disposal_setup.people


def test_the_worker_executes_an_approved_list(runtime, people: People):
    document_id = file(runtime, people.archivist, b"facture du worker")
    make_due(runtime, document_id)
    with runtime.unit_of_work() as uow:
        made = disposal.create_list(uow, people.archivist, "T", selection={"ids": [document_id]})
    with runtime.unit_of_work() as uow:
        disposal.submit_list(uow, people.archivist, made.id)
    with runtime.unit_of_work() as uow:
        disposal.approve_list(uow, people.authority, made.id)

    run_worker_burst(runtime.settings)

    with runtime.unit_of_work() as uow:
        assert uow.session.get_one(DisposalList, made.id).status == "executed"


def test_the_queues_are_counted_once_a_day(runtime, people: People):
    make_due(runtime, file(runtime, people.archivist, b"due"))
    with Redis.from_url(runtime.settings.redis.url) as connection:
        daily_disposal_queues(runtime, connection)
        daily_disposal_queues(runtime, connection)
    with runtime.unit_of_work() as uow:
        counted = uow.session.scalars(
            select(AuditEvent.details).where(AuditEvent.action == "disposal.queue.refresh")
        ).all()
    assert [details["destroy"] for details in counted] == [{"due": 1, "held": 0}]
