"""Bulk jobs: one operation on many documents as one queued job with progress, not N requests.

``start_bulk`` checks the operation, resolves the selection (ids, or every readable hit of a
search) into a fixed list of at most ``[api] bulk_max_documents`` documents, records
``bulk.start`` and queues the job once committed. ``run_bulk`` (a worker) changes the
documents in order, each in a transaction of its own that also advances the job's
progress, with the rights its requester holds when it runs: each document is authorised,
validated and audited as its single edit would be (its event carries
``details.bulk_job``), and one the requester may not change is listed in the job's errors
without stopping the others. Because the progress commits with each change, a job taken
up again after a crash (``requeue_abandoned_jobs``, in the workers' recovery sweep) goes
on from the first document not done, and changes every document exactly once.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ged.access import Principal, authorize, may, principal_for
from ged.audit.chain import record
from ged.errors import GedError, InvalidInput, NotFound, PermissionDenied
from ged.models import BulkJob, User
from ged.services.bulk_operations import (
    Operation,
    apply_operation,
    check_operation,
    parse_operation,
)
from ged.services.job_rows import claim_row, finish_row, release_row, requeue_abandoned_rows
from ged.services.pipeline import Runner
from ged.services.pipeline_steps import UnitsOfWork
from ged.services.revisions import document_for_change
from ged.services.selection import (
    Selection,
    count_selected,
    parse_selection,
    selected_documents,
)
from ged.uow import UnitOfWork

log = logging.getLogger(__name__)

#: documents between two rebuilds of the requester's principal: a role, a group or an
#: account disabled meanwhile counts from the next batch on
BATCH = 20
#: failures a job lists (each with its reason); ``failed`` counts them all
MAX_ERRORS = 100


def start_bulk(uow: UnitOfWork, principal: Principal, request: Mapping[str, Any]) -> BulkJob:
    """Check and queue a bulk job. ``request``: {"operation": {"kind", …}, "selection":
    {"ids": [...]} or {"search": {"q", "filters", "sort"}}} (see bulk_operations for the
    kinds). A list of ids over the bound is refused; a search takes its first hits up to
    the bound, and the job's ``matched`` tells how many there were."""
    session, bound = uow.session, uow.settings.api.bulk_max_documents
    operation, selection = _checked(uow, principal, request)
    ids, matched = selected_documents(uow, principal, selection, bound)
    job = BulkJob(
        kind=operation.kind,
        requested_by_id=principal.user_id,
        requested_by=principal.username,
        request={"operation": operation.as_json(), "selection": selection.as_json()},
        document_ids=list(ids),
        matched=matched,
        total=len(ids),
        errors=[],
    )
    session.add(job)
    session.flush()
    record(
        session,
        principal,
        "bulk.start",
        object_type="bulk_job",
        object_id=job.id,
        details={**job.request, "total": job.total, "matched": matched},
    )
    uow.after_commit(lambda: uow.jobs.enqueue_bulk([job.id]))
    uow.commit()
    return job


@dataclass(frozen=True)
class Preview:
    """What a bulk job would change, for its requester to confirm."""

    operation: Operation
    selection: Selection
    #: documents the job would take (a search's first hits, up to the bound)
    count: int
    #: hits of a search selection, before the bound (None for ids)
    matched: int | None
    bound: int


def preview_bulk(uow: UnitOfWork, principal: Principal, request: Mapping[str, Any]) -> Preview:
    """Check a bulk request as ``start_bulk`` does and count its documents, starting
    nothing. Unaudited: nothing is changed, and no document is read but counted."""
    operation, selection = _checked(uow, principal, request)
    bound = uow.settings.api.bulk_max_documents
    count, matched = count_selected(uow, principal, selection, bound)
    return Preview(operation, selection, count, matched, bound)


def _checked(
    uow: UnitOfWork, principal: Principal, request: Mapping[str, Any]
) -> tuple[Operation, Selection]:
    authorize(principal, "bulk.start")
    if principal.user_id is None:
        raise PermissionDenied(
            "a bulk job runs with the rights of a user account; start it as one",
            rule="bulk.start",
        )
    if not isinstance(request, Mapping) or set(request) != {"operation", "selection"}:
        raise InvalidInput('send {"operation": {...}, "selection": {...}}')
    operation = parse_operation(request["operation"])
    check_operation(uow.session, operation)
    return operation, parse_selection(request["selection"], uow.settings.api.bulk_max_documents)


def read_job(uow: UnitOfWork, principal: Principal, job_id: int) -> BulkJob:
    """A job for its requester or an administrator; to anyone else it does not exist.
    Unaudited: a client polls it, and what the job does is audited document by document."""
    authorize(principal, "bulk.read")
    job = uow.session.get(BulkJob, job_id)
    if job is None or (
        job.requested_by_id != principal.user_id and not may(principal, "bulk.read_any")
    ):
        raise NotFound(f"job {job_id} does not exist")
    return job


@dataclass(frozen=True)
class _Plan:
    operation: Operation
    document_ids: list[int]
    user_id: int
    start: int


class _JobCannotRun(Exception):
    """The whole job must stop: its requester's account or its operation is no longer valid."""


def run_bulk(runner: Runner, job_id: int) -> None:
    """Run the job, or resume it from its first document not done. A job another worker
    is running (its heartbeat is fresh) or that has finished is left alone."""
    units = runner.unit_of_work
    if not claim_row(units, BulkJob, job_id, runner.settings.pipeline):
        log.info("bulk job %s: finished or being run elsewhere", job_id)
        return
    try:
        plan = _plan(units, job_id)
        for start in range(plan.start, len(plan.document_ids), BATCH):
            principal = _principal(units, plan.user_id)
            for position in range(start, min(start + BATCH, len(plan.document_ids))):
                if not _change_one(units, job_id, plan, principal, position):
                    log.warning("bulk job %s: taken over by another run", job_id)
                    return
            log.info("bulk job %s: %s/%s", job_id, position + 1, len(plan.document_ids))
    except _JobCannotRun as exc:
        _finish(units, job_id, reason=str(exc))
        return
    except Exception:
        release_row(units, BulkJob, job_id)  # a retry may take it up at once
        raise
    _finish(units, job_id)


def _plan(units: UnitsOfWork, job_id: int) -> _Plan:
    with units() as uow:
        job = uow.session.get_one(BulkJob, job_id)
        try:
            operation = parse_operation(job.request["operation"])
            check_operation(uow.session, operation)
        except InvalidInput as exc:
            raise _JobCannotRun(f"the operation is no longer possible: {exc}") from None
        return _Plan(operation, list(job.document_ids), job.requested_by_id, job.processed)


def _principal(units: UnitsOfWork, user_id: int) -> Principal:
    """The requester as the job runs now: its role and groups of this moment."""
    with units() as uow:
        user = uow.session.get_one(User, user_id)
        if not user.is_active:
            raise _JobCannotRun(
                f"the account {user.username!r} that started this job has been disabled; "
                "the documents not done yet were left as they were"
            )
        return principal_for(user)


def _change_one(
    units: UnitsOfWork, job_id: int, plan: _Plan, principal: Principal, position: int
) -> bool:
    """Change one document and advance the job, in one transaction; False when another run
    of the job has advanced it first (nothing is then committed)."""
    document_id = plan.document_ids[position]
    with units() as uow:
        error = None
        try:
            # Locked like a single edit, so the two never race on one document.
            document = document_for_change(
                uow.session, principal, document_id, plan.operation.permission
            )
            changed = apply_operation(
                uow, principal, document, plan.operation, {"bulk_job": job_id}
            )
        except GedError as exc:
            error, changed = str(exc), False
        except Exception as exc:  # noqa: BLE001 - listed in the job, never silent
            log.exception("bulk job %s: document %s failed", job_id, document_id)
            error, changed = f"internal error: {exc}", False
        if error is not None:
            uow.rollback()
        return _advance(uow, job_id, position, changed=changed, error=error)


def _advance(
    uow: UnitOfWork, job_id: int, position: int, *, changed: bool, error: str | None
) -> bool:
    # Locked (on PostgreSQL) and checked, so that two runs of one job cannot both apply
    # the same document: the second finds the position moved and rolls its change back.
    job = uow.session.get_one(BulkJob, job_id, with_for_update=True, populate_existing=True)
    if job.processed != position:
        uow.rollback()
        return False
    job.processed += 1
    job.heartbeat_at = uow.clock.now()
    if error is not None:
        job.failed += 1
        if len(job.errors) < MAX_ERRORS:
            job.errors = [*job.errors, {"document_id": job.document_ids[position], "detail": error}]
    else:
        job.succeeded += 1
        job.unchanged += 0 if changed else 1
    uow.commit()
    return True


def _finish(units: UnitsOfWork, job_id: int, reason: str | None = None) -> None:
    status = finish_row(units, BulkJob, job_id, reason, "reason")
    log.info("bulk job %s: %s%s", job_id, status, f" ({reason})" if reason else "")


def requeue_abandoned_jobs(uow: UnitOfWork) -> list[int]:
    """The recovery sweep's part for bulk jobs (see requeue_abandoned_rows)."""
    jobs = uow.jobs
    return requeue_abandoned_rows(
        uow, BulkJob, jobs.waiting_bulk_jobs, jobs.enqueue_bulk, "abandoned bulk job(s)"
    )
