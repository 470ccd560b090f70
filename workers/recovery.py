"""Finding work that was lost: a version or a bulk job whose worker died, or that was never
queued, an index refresh whose job was lost, and a webhook delivery whose job was lost or
whose retry is due.

RQ's own sweep of abandoned jobs runs every ten minutes; this one runs in every
worker every [pipeline] recovery_seconds (one worker at a time, by a Redis lock) and
re-queues a version, a bulk job or a batch being split once its heartbeat is older than
[pipeline] stale_seconds, an approved disposal list whose execution is not waiting, and a
transfer whose package build is neither waiting nor running; it queues the due retries of
RQ's scheduler when none runs. It seals the audit checkpoints due and time-stamps those
still waiting for it. Once a day it also counts the disposal queues into the lifecycle journal and purges
the browser sessions ended long ago.
"""

from __future__ import annotations

import logging
import threading

from redis import Redis
from rq.scheduler import RQScheduler

from ged.audit.purge import purge
from ged.audit.seal import seal_if_due
from ged.audit.timestamp import stamp_pending
from ged.bootstrap import Runtime
from ged.services.batch_split import requeue_abandoned_batches
from ged.services.bulk import requeue_abandoned_jobs
from ged.services.destruction import requeue_approved_lists
from ged.services.disposal_queues import refresh_queues
from ged.services.index_sync import requeue_stale_entries
from ged.services.pipeline import requeue_abandoned, stale_after
from ged.services.sessions import purge_ended_sessions
from ged.services.transfers import requeue_building_transfers
from ged.services.webhook_deliveries import requeue_due

log = logging.getLogger(__name__)


def recover_once(runtime: Runtime) -> list[int]:
    """Re-queue the abandoned versions and bulk jobs whose run is not waiting in the queue,
    the refresh of index entries whose own job was lost, and the due webhook deliveries;
    return the versions."""
    with runtime.unit_of_work() as uow:
        lost = requeue_abandoned(uow)
    with runtime.unit_of_work() as uow:
        requeue_abandoned_jobs(uow)
    with runtime.unit_of_work() as uow:
        # Changes younger than the stale delay still have their own job on the way.
        settled = uow.clock.now() - stale_after(runtime.settings.pipeline)
        requeue_stale_entries(uow, changed_before=settled)
    with runtime.unit_of_work() as uow:
        requeue_due(uow)
    with runtime.unit_of_work() as uow:
        requeue_approved_lists(uow)
    with runtime.unit_of_work() as uow:
        requeue_building_transfers(uow)
    with runtime.unit_of_work() as uow:
        requeue_abandoned_batches(uow)
    return lost


def audit_housekeeping(runtime: Runtime, connection: Redis) -> None:
    """Seal the audit checkpoints that are due, ask the TSA for the time-stamps still
    pending (after the seal's commit: a TSA down never holds sealing up), and purge the
    expired access log once a day."""
    settings = runtime.settings
    if not settings.audit.key_file.exists():
        return  # reported once at worker start (see run_worker)
    with runtime.unit_of_work() as uow:
        seal_if_due(uow.session, settings)
    if settings.audit.tsa_url:
        with runtime.unit_of_work() as uow:
            stamp_pending(uow.session, settings)
    daily = f"ged:{settings.redis.queue}:audit-purge"
    if settings.audit.access_retention_days and connection.set(daily, "1", nx=True, ex=86_400):
        with runtime.unit_of_work() as uow:
            purge(uow.session, settings)


def daily_disposal_queues(runtime: Runtime, connection: Redis) -> None:
    """Count the disposal queues once a day (one worker of all, by a Redis key that expires
    after a day): one grouped query on the indexed due dates, seconds for 100,000 documents."""
    daily = f"ged:{runtime.settings.redis.queue}:disposal-queues"
    if connection.set(daily, "1", nx=True, ex=86_400):
        with runtime.unit_of_work() as uow:
            refresh_queues(uow)


def daily_session_purge(runtime: Runtime, connection: Redis) -> None:
    """Delete, once a day (one worker of all), the rows of sessions over for a month:
    their ends stay in the audit trail."""
    daily = f"ged:{runtime.settings.redis.queue}:session-purge"
    if connection.set(daily, "1", nx=True, ex=86_400):
        with runtime.unit_of_work() as uow:
            purged = purge_ended_sessions(uow)
        if purged:
            log.info("purged %d browser sessions ended long ago", purged)


def enqueue_due_retries(scheduler: RQScheduler) -> None:
    """Queue the retries that are due when no RQ scheduler does. RQ's scheduler (which
    queues the retry of a job that met a dependency down: S3, OpenSearch) runs in one
    worker under a lock that outlives a SIGKILLed worker by a minute, and the other
    workers look for a scheduler to replace only between two waits on the queue, which
    last 405 s when it is idle: the retries of a dead worker's queue waited that long.
    Taking RQ's lock first keeps this from queueing a job twice beside a live scheduler."""
    if scheduler.acquire_locks():
        try:
            scheduler.enqueue_scheduled_jobs()
        finally:
            scheduler.release_locks()


def start_recovery_thread(runtime: Runtime, connection: Redis) -> threading.Event:
    """Run recover_once and audit_housekeeping periodically in the background; set the
    returned event to stop."""
    stop = threading.Event()
    every = runtime.settings.pipeline.recovery_seconds
    lock = f"ged:{runtime.settings.redis.queue}:recovery-lock"
    scheduler = RQScheduler([runtime.settings.redis.queue], connection=connection)

    def loop() -> None:
        while not stop.wait(every):
            # One worker sweeps per period; the lock expires on its own if that worker dies.
            if connection.set(lock, "1", nx=True, px=max(int(every * 1000) - 100, 100)):
                try:
                    recover_once(runtime)
                    enqueue_due_retries(scheduler)
                    audit_housekeeping(runtime, connection)
                    daily_disposal_queues(runtime, connection)
                    daily_session_purge(runtime, connection)
                except Exception:  # noqa: BLE001 - the sweep must outlive a bad round
                    log.exception("recovery sweep failed; trying again in %ss", every)

    threading.Thread(target=loop, name="ged-recovery", daemon=True).start()
    return stop
