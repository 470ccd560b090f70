"""The review queue: documents the classifier could not type with confidence.

Confirming or correcting sets the type by hand (classification_source "manual"),
which is what `ged classifier train` learns from.
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import Blueprint, flash, g, redirect, render_template, request, url_for

from ged.services import catalog
from ged.services import documents as service
from ged.services.documents import Metadata
from ged.web.context import principal, uow
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("review", __name__, url_prefix="/a-verifier", enable_openapi=False)


def init_blueprint(parent: Blueprint) -> None:
    @parent.context_processor
    def counts():
        def review_count() -> int:
            # Asked only by the header of those it offers the queue to (not the roles that
            # file nothing), once per page: one count, of what they may correct.
            if "review_count" not in g:
                g.review_count = catalog.review_count(uow(), principal())
            return g.review_count

        return {"review_count": review_count}


@bp.get("")
def page():
    types = catalog.document_types(uow(), principal())
    return render_template(
        "ui/review.html",
        documents=catalog.review_queue(uow(), principal()),
        types=types,
        type_labels={kind.code: kind.label for kind in types},
    )


@bp.post("/<int:document_id>")
def confirm(document_id: int):
    code = request.form.get("document_type", "").strip()
    labels = catalog.type_labels(uow(), principal())
    if code not in labels:
        flash(_("Choisissez un type de document avant de valider."), "error")
        return redirect(url_for("ui.review.page", _anchor=f"document-{document_id}"))
    document = service.update_metadata(
        uow(), principal(), document_id, Metadata(document_type=code), {"document_type"}
    )
    flash(
        _("« {title} » classé comme {label}.", title=document.title, label=labels[code]),
        "success",
    )
    return redirect(url_for("ui.review.page"))
