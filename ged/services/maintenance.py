"""Operators' checks and repairs of the stored data: the blob store against the database
(``ged fsck``) and the pipeline queue against the database (``ged reconcile``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from ged.access import Principal, authorize
from ged.audit.chain import record
from ged.models import UNFINISHED_STATUSES, Blob, Version
from ged.models.batches import Batch
from ged.models.jobs import OPEN_JOB_STATUSES
from ged.services.index_sync import stale_entries
from ged.services.webhook_deliveries import due_deliveries
from ged.storage.fsck import FsckReport, check_store
from ged.uow import UnitOfWork


def check_blobs(
    uow: UnitOfWork, principal: Principal, progress: Callable[[int, int], None] | None = None
) -> FsckReport:
    """Re-hash every stored blob against what the database says it holds; ``progress``
    gets (bytes done, bytes in all). Recorded as ``cli.fsck`` with its exit status."""
    authorize(principal, "storage.check")
    session = uow.session
    referenced = referenced_blobs(session)
    # Re-hashing can take hours: no read transaction stays open meanwhile, so the event
    # recorded at the end starts a fresh one (SQLite could not turn a stale one into a write).
    uow.rollback()
    report = check_store(uow.blobs, referenced, progress)
    record(session, principal, "cli.fsck", details={"exit_status": fsck_status(report)})
    uow.commit()
    return report


def referenced_blobs(session: Session) -> dict[str, int]:
    """Every blob the database refers to (versions, renditions, batches, certificates and
    replies all point at the blobs table), with the size it recorded."""
    return {sha256: size for sha256, size in session.execute(select(Blob.sha256, Blob.size))}


def fsck_status(report: FsckReport) -> int:
    """0 all good, 1 missing or corrupt blobs, 2 only orphans (stored bytes no version
    refers to, e.g. after an interrupted upload)."""
    if not report.ok:
        return 1
    return 0 if report.clean else 2


@dataclass(frozen=True)
class Reconciled:
    versions: int  # unfinished versions whose pipeline was queued again
    index_entries: int  # stale index entries whose refresh was queued
    deliveries: int  # webhook deliveries due whose attempt was queued
    batches: int  # open scanned batches whose split was queued again


def reconcile(uow: UnitOfWork, principal: Principal) -> Reconciled:
    """Queue again the work the database says is not done (after a Redis loss): every
    version whose pipeline has not finished, every index entry older than its document's
    last change, every webhook delivery due, every scanned batch not split to its end
    (a split taken up again goes on where it stopped). Recorded as ``cli.reconcile``.

    That work was committed long ago, so its jobs are queued at once rather than after
    this unit of work's commit: the event can then say how many really were."""
    authorize(principal, "pipeline.reconcile")
    uow.jobs.check()
    session = uow.session
    unfinished = session.scalars(
        select(Version.id).where(Version.status.in_(UNFINISHED_STATUSES)).order_by(Version.id)
    )
    versions = uow.jobs.enqueue_versions(list(unfinished))
    entries = uow.jobs.enqueue_index(stale_entries(uow))
    deliveries = [i for i in due_deliveries(uow) if uow.jobs.enqueue_delivery(i)]
    open_batches = session.scalars(
        select(Batch.id).where(Batch.status.in_(OPEN_JOB_STATUSES)).order_by(Batch.id)
    )
    batches = uow.jobs.enqueue_splits(list(open_batches))
    done = Reconciled(len(versions), len(entries), len(deliveries), len(batches))
    record(
        session,
        principal,
        "cli.reconcile",
        details={
            "queued": done.versions,
            "index_refreshed": done.index_entries,
            "deliveries_queued": done.deliveries,
            "batches_queued": done.batches,
        },
    )
    uow.commit()
    return done
