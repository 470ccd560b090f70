"""The pipeline of one version: extract → classify → metadata → index, each step persisted.

A version is claimed in the database before it is processed, so two workers never run
it at once; each step commits its result together with the name of the step, so a run
interrupted anywhere (even by SIGKILL) resumes after the last completed step and no
step runs twice to a different result. A heartbeat tells a long OCR from a dead worker;
``abandoned_versions`` finds the versions of dead workers and of lost jobs.

Every transaction is a short unit of work of its own (the steps' long work runs with
none open), opened from the process's Runtime (``units``).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Protocol

from sqlalchemy import and_, or_, select, update

from ged.config import PipelineSettings, Settings
from ged.errors import ServiceUnavailable
from ged.models import FINISHED_STATUSES, UNFINISHED_STATUSES, Version
from ged.services.lost_jobs import requeue_lost
from ged.services.pipeline_steps import (
    UnitsOfWork,
    classify_step,
    extract_step,
    index_step,
    metadata_step,
)
from ged.services.revisions import touch_document
from ged.services.webhooks import emit_document_event
from ged.uow import UnitOfWork
from ingest.detect import SUPPORTED_TYPES

log = logging.getLogger(__name__)

STEPS = {
    "extract": extract_step,
    "classify": classify_step,
    "metadata": metadata_step,
    "index": index_step,
}
#: the heartbeat is refreshed this many times within the configured stale delay
BEATS_PER_STALE_DELAY = 4


class Runner(Protocol):
    """What the pipeline needs from its process: the settings, and units of work
    (ged.bootstrap.Runtime is one)."""

    @property
    def settings(self) -> Settings: ...

    def unit_of_work(self) -> UnitOfWork: ...


def process_version(runner: Runner, version_id: int) -> None:
    """Run (or resume) the pipeline of one version. Raises ServiceUnavailable when a step
    must be tried again later (OpenSearch down), with the version given back; any other
    failure is recorded on the version as its readable reason."""
    units, options = runner.unit_of_work, runner.settings.pipeline
    if not claim(units, options, version_id):
        log.info("version %s: already finished or being processed elsewhere", version_id)
        return
    with heartbeat(units, options, version_id):
        failure = _run_steps(units, version_id)
    finish(units, version_id, failure)


def _run_steps(units: UnitsOfWork, version_id: int) -> str | None:
    """The steps not done yet, in order; the reason of the first that failed, if any."""
    for step in steps_after(_last_step(units, version_id)):
        try:
            STEPS[step](units, version_id)
        except ServiceUnavailable as exc:
            log.warning("version %s: %s will be retried: %s", version_id, step, exc)
            release(units, version_id)
            raise
        except Exception as exc:  # noqa: BLE001 - recorded on the version, never silent
            log.exception("version %s: step %s failed", version_id, step)
            return f"internal error during {step}: {exc}"
    return None


def steps_after(last: str | None) -> list[str]:
    names = list(STEPS)
    return names if last is None else names[names.index(last) + 1 :]


def stale_after(options: PipelineSettings) -> timedelta:
    """A version whose heartbeat is older than this was abandoned by a dead worker."""
    return timedelta(seconds=options.stale_seconds)


def claim(units: UnitsOfWork, options: PipelineSettings, version_id: int) -> bool:
    """Take the version for this worker unless it is finished or another live worker has it."""
    with units() as uow:
        now = uow.clock.now()
        claimed = uow.session.scalar(
            update(Version)
            .where(
                Version.id == version_id,
                Version.status.not_in(FINISHED_STATUSES),
                or_(
                    Version.heartbeat_at.is_(None),
                    Version.heartbeat_at < now - stale_after(options),
                ),
            )
            .values(status="processing", attempts=Version.attempts + 1, heartbeat_at=now)
            .returning(Version.id)
        )
        uow.commit()
    return claimed is not None


def release(units: UnitsOfWork, version_id: int) -> None:
    """Give the version back (still processing) so a retry can claim it at once."""
    _set_heartbeat(units, version_id, beating=False)


def finish(units: UnitsOfWork, version_id: int, failure: str | None = None) -> None:
    """Record the final state: failed with a reason, unsupported, or done."""
    with units() as uow:
        version = uow.session.get_one(Version, version_id)
        if failure is not None:
            version.error = failure
        if version.status == "processing":
            version.status = _final_status(version)
            if version.status in ("done", "failed"):
                emit_document_event(uow, f"document.{version.status}", version.document, version)
        version.heartbeat_at = None
        touch_document(uow.session, version.document_id)  # its status shows in the document
        uow.commit()
    log.info("version %s: %s", version_id, version.status)


def _final_status(version: Version) -> str:
    if version.mime_type not in SUPPORTED_TYPES:
        return "unsupported"
    return "failed" if version.error else "done"


def _last_step(units: UnitsOfWork, version_id: int) -> str | None:
    with units() as uow:
        return uow.session.get_one(Version, version_id).step


def _set_heartbeat(units: UnitsOfWork, version_id: int, *, beating: bool) -> None:
    with units() as uow:
        moment = uow.clock.now() if beating else None
        uow.session.execute(
            update(Version).where(Version.id == version_id).values(heartbeat_at=moment)
        )
        uow.commit()


@contextmanager
def heartbeat(units: UnitsOfWork, options: PipelineSettings, version_id: int) -> Iterator[None]:
    """Refresh the version's heartbeat while it is processed, so recovery can tell a long
    OCR from a dead worker."""
    stop = threading.Event()
    every = stale_after(options).total_seconds() / BEATS_PER_STALE_DELAY

    def beat() -> None:
        while not stop.wait(every):
            _set_heartbeat(units, version_id, beating=True)

    thread = threading.Thread(target=beat, name=f"heartbeat-{version_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def abandoned_versions(uow: UnitOfWork) -> list[int]:
    """Unfinished versions nobody has touched for the stale delay: their worker died, or
    their job was never queued or was lost with Redis."""
    stale = uow.clock.now() - stale_after(uow.settings.pipeline)
    query = select(Version.id).where(
        Version.status.in_(UNFINISHED_STATUSES),
        or_(
            Version.heartbeat_at < stale,
            and_(Version.heartbeat_at.is_(None), Version.created_at < stale),
        ),
    )
    return list(uow.session.scalars(query.order_by(Version.id)))


def requeue_abandoned(uow: UnitOfWork) -> list[int]:
    """Queue again the abandoned versions whose job is not waiting in the queue; return them."""
    return requeue_lost(
        uow,
        abandoned_versions(uow),
        uow.jobs.waiting,
        # as uow.enqueue_pipeline would after a commit: the versions really queued are known
        lambda version_id: uow.queued_versions.update(uow.jobs.enqueue_versions([version_id])),
        "abandoned version(s)",
    )
