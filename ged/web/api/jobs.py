"""/api/v1/bulk and /api/v1/jobs/{id}: one change to many documents, run as a queued job."""

from __future__ import annotations

from typing import Any

from apiflask import APIBlueprint

from ged.models import BulkJob
from ged.services.bulk import read_job, start_bulk
from ged.timeutil import iso
from ged.web.api.inputs import json_object
from ged.web.context import principal, uow

bp = APIBlueprint("jobs", __name__, url_prefix="/api/v1", tag="Jobs")


@bp.post("/bulk")
@bp.doc(
    summary="Change many documents at once, as one queued job (archivist, admin)",
    description='JSON: {"operation": {"kind": "add_tags", "tags": ["urgent"]}, '
    '"selection": {"ids": [1, 2]} or {"search": {"q": "...", "filters": {"unit": "..."}}}}. '
    "Kinds: set_document_type (document_type), set_unit (unit), add_tags, remove_tags, "
    "replace_tags (tags), replace_acl (inherit, grants), add_grants (grants). "
    "Each document needs the permission its single edit needs; 202 with the job.",
)
def start_bulk_view():
    job = start_bulk(uow(), principal(), json_object())
    return job_json(job), 202, {"Location": f"/api/v1/jobs/{job.id}"}


@bp.get("/jobs/<int:job_id>")
@bp.doc(summary="A job's progress and errors (its requester, or an administrator)")
def read_job_view(job_id: int):
    return job_json(read_job(uow(), principal(), job_id))


def job_json(job: BulkJob) -> dict[str, Any]:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "requested_by": job.requested_by,
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "request": job.request,
        "total": job.total,
        "matched": job.matched,
        "cut": job.cut,
        "processed": job.processed,
        "succeeded": job.succeeded,
        "unchanged": job.unchanged,
        "failed": job.failed,
        "errors": job.errors,
        "reason": job.reason,
    }
