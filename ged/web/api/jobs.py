"""/api/v1/bulk and /api/v1/jobs/{id}: one change to many documents, run as a queued job."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import url_for

from ged.services import bulk
from ged.web.api.contract import errors
from ged.web.api.schemas.jobs import BulkRequest, JobOut
from ged.web.context import principal, uow

bp = APIBlueprint("jobs", __name__, url_prefix="/api/v1", tag="Jobs")

_LOCATION = {"Location": {"description": "the job", "schema": {"type": "string"}}}


@bp.post("/bulk")
@bp.input(BulkRequest, location="json")
@bp.output(JobOut, status_code=202, description="queued: follow it at Location", headers=_LOCATION)
@bp.doc(
    summary="Change many documents at once, as one queued job (archivist, admin)",
    description="Each document needs the permission its single edit needs (write for "
    "metadata, manage for grants) and is audited on its own; one that may not be changed "
    "is listed in the job's errors, not fatal to the others.",
    responses=errors(403),
)
def start_bulk(json_data: BulkRequest):
    job = bulk.start_bulk(uow(), principal(), json_data.model_dump(mode="json", exclude_unset=True))
    return JobOut.of(job), 202, {"Location": url_for("jobs.read_job", job_id=job.id)}


@bp.get("/jobs/<int:job_id>")
@bp.output(JobOut, description="the job's progress and errors")
@bp.doc(summary="A job's progress (its requester, or an administrator)", responses=errors(404))
def read_job(job_id: int):
    return JobOut.of(bulk.read_job(uow(), principal(), job_id))
