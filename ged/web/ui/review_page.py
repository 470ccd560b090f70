"""The review queue: documents the classifier could not type with confidence.

Confirming or correcting sets the type by hand (classification_source "manual"),
which is what `ged classifier train` learns from.
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, url_for

from ged.services import documents as service
from ged.services.documents import Metadata
from ged.web.context import db, principal, settings
from ged.web.ui import queries
from ged.web.ui.i18n import translate as _
from workers.queue import enqueue_index

bp = APIBlueprint("review", __name__, url_prefix="/a-verifier", enable_openapi=False)


@bp.get("")
def page():
    session = db()
    return render_template(
        "ui/review.html",
        documents=queries.review_queue(session, principal()),
        types=queries.document_types(session),
        type_labels=queries.type_labels(session),
    )


@bp.post("/<int:document_id>")
def confirm(document_id: int):
    code = request.form.get("document_type", "").strip()
    labels = queries.type_labels(db())
    if code not in labels:
        flash(_("Choisissez un type de document avant de valider."), "error")
        return redirect(url_for("ui.review.page", _anchor=f"document-{document_id}"))
    document = service.update_metadata(
        db(), principal(), document_id, Metadata(document_type=code), {"document_type"}
    )
    enqueue_index(settings(), [document_id])
    flash(
        _("« {title} » classé comme {label}.", title=document.title, label=labels[code]),
        "success",
    )
    return redirect(url_for("ui.review.page"))
