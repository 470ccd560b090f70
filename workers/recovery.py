"""Finding work that was lost: a version whose worker died, or that was never queued.

RQ's own sweep of abandoned jobs runs every ten minutes; this one runs in every
worker every [pipeline] recovery_seconds (one worker at a time, by a Redis lock) and re-queues
a version once its heartbeat is older than [pipeline] stale_seconds.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime

from redis import Redis
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus
from sqlalchemy import and_, or_, select

from ged.audit.purge import purge
from ged.audit.seal import seal_if_due
from ged.models import Version
from workers import runtime
from workers.pipeline import stale_after
from workers.queue import enqueue_versions

log = logging.getLogger(__name__)

#: a job in one of these states will run (or is running) without our help
_WAITING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def abandoned_versions(now: datetime) -> list[int]:
    """Unfinished versions nobody has touched for the stale delay."""
    stale = now - stale_after()
    with runtime.database() as session:
        query = select(Version.id).where(
            Version.status.in_(("pending", "processing")),
            or_(
                Version.heartbeat_at < stale,
                and_(Version.heartbeat_at.is_(None), Version.created_at < stale),
            ),
        )
        return list(session.scalars(query.order_by(Version.id)))


def recover_once(connection: Redis) -> list[int]:
    """Re-queue the abandoned versions whose job is not waiting in the queue."""
    lost = [
        version_id
        for version_id in abandoned_versions(datetime.now(UTC))
        if _job_status(connection, f"version-{version_id}") not in _WAITING
    ]
    if lost:
        log.warning("recovering %d abandoned version(s): %s", len(lost), lost)
        enqueue_versions(runtime.settings(), lost)
    return lost


def _job_status(connection: Redis, job_id: str) -> JobStatus | None:
    try:
        return Job.fetch(job_id, connection=connection).get_status()
    except NoSuchJobError:
        return None


def audit_housekeeping(connection: Redis) -> None:
    """Seal an audit checkpoint when one is due, and purge expired events once a day."""
    settings = runtime.settings()
    if not settings.audit.key_file.exists():
        return  # reported once at worker start (see run_worker)
    with runtime.database() as session:
        seal_if_due(session, settings)
    daily = f"ged:{settings.redis.queue}:audit-purge"
    if settings.audit.retention_days and connection.set(daily, "1", nx=True, ex=86_400):
        with runtime.database() as session:
            purge(session, settings)


def start_recovery_thread(connection: Redis) -> threading.Event:
    """Run recover_once and audit_housekeeping periodically in the background; set the
    returned event to stop."""
    stop = threading.Event()
    every = runtime.settings().pipeline.recovery_seconds
    lock = f"ged:{runtime.settings().redis.queue}:recovery-lock"

    def loop() -> None:
        while not stop.wait(every):
            # One worker sweeps per period; the lock expires on its own if that worker dies.
            if connection.set(lock, "1", nx=True, px=max(int(every * 1000) - 100, 100)):
                try:
                    recover_once(connection)
                    audit_housekeeping(connection)
                except Exception:  # noqa: BLE001 - the sweep must outlive a bad round
                    log.exception("recovery sweep failed; trying again in %ss", every)

    threading.Thread(target=loop, name="ged-recovery", daemon=True).start()
    return stop
