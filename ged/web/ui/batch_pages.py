"""The page of a scanned batch: its split's progress, and the documents it became."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import render_template

from ged.services import batches
from ged.web.context import principal, uow

bp = APIBlueprint("batches", __name__, url_prefix="/lots", enable_openapi=False)

#: the batch's status in words
STATUS_LABELS = {
    "queued": "En attente",
    "running": "Découpage en cours",
    "done": "Découpé",
    "failed": "Échec",
}


@bp.get("/<int:batch_id>")
def show(batch_id: int):
    batch = batches.read_batch(uow(), principal(), batch_id)
    return render_template("ui/batch.html", batch=batch, status_labels=STATUS_LABELS)
