"""What the rows of long jobs (bulk jobs, batches being split) share: one run at a time,
claimed by a heartbeat that a dead worker leaves to go stale, and found again by the
recovery sweep once it has."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import and_, func, or_, select, update

from ged.config import PipelineSettings
from ged.models.jobs import OPEN_JOB_STATUSES
from ged.services.lost_jobs import requeue_lost
from ged.services.pipeline import stale_after
from ged.services.pipeline_steps import UnitsOfWork
from ged.uow import UnitOfWork


def claim_row(units: UnitsOfWork, model: Any, row_id: int, options: PipelineSettings) -> bool:
    """Take the row for this run unless it has finished or a live run has it."""
    with units() as uow:
        now = uow.clock.now()
        claimed = uow.session.scalar(
            update(model)
            .where(
                model.id == row_id,
                model.status.in_(OPEN_JOB_STATUSES),
                or_(model.heartbeat_at.is_(None), model.heartbeat_at < now - stale_after(options)),
            )
            .values(
                status="running", started_at=func.coalesce(model.started_at, now), heartbeat_at=now
            )
            .returning(model.id)
        )
        uow.commit()
    return claimed is not None


def release_row(units: UnitsOfWork, model: Any, row_id: int) -> None:
    """Give the row back (still open) so that a retry can claim it at once."""
    with units() as uow:
        uow.session.execute(update(model).where(model.id == row_id).values(heartbeat_at=None))
        uow.commit()


def finish_row(
    units: UnitsOfWork, model: Any, row_id: int, reason: str | None, reason_field: str
) -> str:
    """Close the row: failed with ``reason`` (in its column ``reason_field``), or done;
    the status it got."""
    with units() as uow:
        row = uow.session.get_one(model, row_id)
        row.status = "failed" if reason else "done"
        setattr(row, reason_field, reason)
        row.finished_at = uow.clock.now()
        row.heartbeat_at = None
        uow.commit()
        return row.status


def requeue_abandoned_rows(
    uow: UnitOfWork,
    model: Any,
    waiting: Callable[[Iterable[int]], set[int]],
    enqueue: Callable[[list[int]], object],
    what: str,
) -> list[int]:
    """Queue again the open rows nobody has advanced for the stale delay (their worker died,
    or their job was lost with Redis) whose job is not waiting in the queue."""
    return requeue_lost(uow, _abandoned_rows(uow, model), waiting, lambda i: enqueue([i]), what)


def _abandoned_rows(uow: UnitOfWork, model: Any) -> list[int]:
    """Open rows nobody has advanced for the stale delay: their worker died, or their job
    was never queued or was lost with Redis."""
    stale = uow.clock.now() - stale_after(uow.settings.pipeline)
    query = select(model.id).where(
        model.status.in_(OPEN_JOB_STATUSES),
        or_(
            model.heartbeat_at < stale,
            and_(model.heartbeat_at.is_(None), model.created_at < stale),
        ),
    )
    return list(uow.session.scalars(query.order_by(model.id)))
