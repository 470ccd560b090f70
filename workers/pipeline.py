"""The pipeline of one version: extract → classify → metadata → index, each step persisted.

A version is claimed in the database before it is processed, so two workers
never run it at once; each step commits its result together with the name of
the step, so a run interrupted anywhere (even by SIGKILL) resumes after the
last completed step and no step runs twice to a different result.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, update

from ged.models import Version
from workers import runtime
from workers.errors import TransientFailure
from workers.steps import classify_step, extract_step, index_step, metadata_step

log = logging.getLogger(__name__)

STEPS: dict[str, Callable[[int], None]] = {
    "extract": extract_step,
    "classify": classify_step,
    "metadata": metadata_step,
    "index": index_step,
}
#: the heartbeat is refreshed this many times within the configured stale delay
BEATS_PER_STALE_DELAY = 4
FINAL = ("done", "failed", "unsupported")


def process_version(version_id: int) -> None:
    if not claim(version_id):
        log.info("version %s: already finished or being processed elsewhere", version_id)
        return
    with heartbeat(version_id):
        for step in steps_after(_last_step(version_id)):
            try:
                STEPS[step](version_id)
            except TransientFailure as exc:
                log.warning("version %s: %s will be retried: %s", version_id, step, exc)
                release(version_id)
                raise
            except Exception as exc:  # noqa: BLE001 - recorded on the version, never silent
                log.exception("version %s: step %s failed", version_id, step)
                finish(version_id, failure=f"internal error during {step}: {exc}")
                return
    finish(version_id)


def steps_after(last: str | None) -> list[str]:
    names = list(STEPS)
    return names if last is None else names[names.index(last) + 1 :]


def stale_after() -> timedelta:
    """A version whose heartbeat is older than this was abandoned by a dead worker."""
    return timedelta(seconds=runtime.settings().pipeline.stale_seconds)


def claim(version_id: int) -> bool:
    """Take the version for this worker unless it is finished or another live worker has it."""
    now = datetime.now(UTC)
    with runtime.database() as session:
        claimed = session.execute(
            update(Version)
            .where(
                Version.id == version_id,
                Version.status.not_in(FINAL),
                or_(Version.heartbeat_at.is_(None), Version.heartbeat_at < now - stale_after()),
            )
            .values(status="processing", attempts=Version.attempts + 1, heartbeat_at=now)
        ).rowcount
        session.commit()
    return claimed == 1


def release(version_id: int) -> None:
    """Give the version back (still processing) so a retry can claim it at once."""
    with runtime.database() as session:
        session.execute(update(Version).where(Version.id == version_id).values(heartbeat_at=None))
        session.commit()


def finish(version_id: int, failure: str | None = None) -> None:
    """Record the final state: failed with a reason, unsupported, or done."""
    with runtime.database() as session:
        version = session.get(Version, version_id)
        if failure is not None:
            version.error = failure
        if version.status == "processing":
            version.status = _final_status(version)
        version.heartbeat_at = None
        session.commit()
    log.info("version %s: %s", version_id, version.status)


def _final_status(version: Version) -> str:
    from ingest.detect import SUPPORTED_TYPES

    if version.mime_type not in SUPPORTED_TYPES:
        return "unsupported"
    return "failed" if version.error else "done"


def _last_step(version_id: int) -> str | None:
    with runtime.database() as session:
        return session.get(Version, version_id).step


@contextmanager
def heartbeat(version_id: int) -> Iterator[None]:
    """Refresh the version's heartbeat while it is processed, so recovery can tell a long
    OCR from a dead worker."""
    stop = threading.Event()
    every = stale_after().total_seconds() / BEATS_PER_STALE_DELAY

    def beat() -> None:
        while not stop.wait(every):
            with runtime.database() as session:
                session.execute(
                    update(Version)
                    .where(Version.id == version_id)
                    .values(heartbeat_at=datetime.now(UTC))
                )
                session.commit()

    thread = threading.Thread(target=beat, name=f"heartbeat-{version_id}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()
