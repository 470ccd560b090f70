"""Work whose job was lost (its worker died, or Redis forgot it) is queued again by the
workers' recovery sweep: what each kind of work looks for differs, this part does not."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable

from ged.uow import UnitOfWork

log = logging.getLogger(__name__)


def requeue_lost(
    uow: UnitOfWork,
    candidates: list[int],
    waiting: Callable[[Iterable[int]], set[int]],
    enqueue: Callable[[int], object],
    what: str,
) -> list[int]:
    """Queue again those of ``candidates`` (ids old enough to have a job on the way) whose
    job is neither waiting nor running; ``what`` names them in the warning."""
    waiting_now = waiting(candidates)
    lost = [work_id for work_id in candidates if work_id not in waiting_now]
    if lost:
        log.warning("queueing again %d %s: %s", len(lost), what, lost)
    uow.commit()
    for work_id in lost:
        enqueue(work_id)
    return lost
