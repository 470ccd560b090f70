"""/api/v1/batches/{id}: a scanned batch being split into documents, and its re-split."""

from __future__ import annotations

from apiflask import APIBlueprint

from ged.services import batches
from ged.web.api.contract import errors
from ged.web.api.schemas.batches import BatchOut, ResplitBody
from ged.web.context import principal, uow

bp = APIBlueprint("batches", __name__, url_prefix="/api/v1/batches", tag="Batches")


@bp.get("/<int:batch_id>")
@bp.output(BatchOut, description="the batch, its segments and the documents they became")
@bp.doc(
    summary="A batch's split: status, progress, segments (its submitter, archivist, admin)",
    responses=errors(404),
)
def read_batch(batch_id: int):
    return BatchOut.of(batches.read_batch(uow(), principal(), batch_id))


@bp.post("/<int:batch_id>/split")
@bp.input(ResplitBody, location="json")
@bp.output(BatchOut, description="the batch as it is now split")
@bp.doc(
    summary="Split a batch again at corrected page ranges (archivist, admin)",
    description="A segment whose pages change gets a new version of its document, cut "
    "from the original batch; ranges past the last segment become new documents; audited.",
    responses=errors(400, 403, 404, 409),
)
def resplit(batch_id: int, json_data: ResplitBody):
    ranges = [(part.first, part.last) for part in json_data.segments]
    return BatchOut.of(batches.resplit_batch(uow(), principal(), batch_id, ranges))
