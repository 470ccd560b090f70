"""Deleting a document (soft: it goes to the corbeille) and restoring it, and the corbeille
itself: the deleted documents, which only archivists and administrators see and restore.

Who may delete (the document's managers) and restore (the archive roles, the only ones a
deleted document exists for) is the services' decision; a held document is refused with
the hold's reason, said on the document's page.
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, url_for

from ged.access import may
from ged.errors import Conflict
from ged.services import documents as service
from ged.services.document_list import list_deleted
from ged.services.paging import Page
from ged.web.context import principal, uow
from ged.web.ui.i18n import reason
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("removal", __name__, enable_openapi=False)

PAGE_SIZE = 50


@bp.get("/documents/<int:document_id>/supprimer")
def confirm(document_id: int):
    """Asked once more before deleting: what goes, and who can bring it back."""
    document = service.find_version(uow(), principal(), document_id).document
    return render_template("ui/document_delete.html", document=document)


@bp.post("/documents/<int:document_id>/supprimer")
def delete(document_id: int):
    try:
        document = service.delete_document(uow(), principal(), document_id)
    except Conflict as refused:
        flash(_("Document non supprimé : {reason}", reason=reason(refused)), "error")
        return redirect(url_for("ui.documents.show", document_id=document_id))
    flash(
        _(
            "« {title} » est supprimé : il est dans la corbeille, d'où un archiviste peut le restaurer.",
            title=document.title,
        ),
        "success",
    )
    if may(principal(), "document.deleted.list"):
        return redirect(url_for("ui.documents.show", document_id=document_id))
    # Gone for its deleter too, unless an archivist: back to the search.
    return redirect(url_for("ui.search.page"))


@bp.post("/documents/<int:document_id>/restaurer")
def undelete(document_id: int):
    try:
        document = service.undelete_document(uow(), principal(), document_id)
    except Conflict as refused:
        flash(_("Document non restauré : {reason}", reason=reason(refused)), "error")
    else:
        flash(_("« {title} » est restauré.", title=document.title), "success")
    if request.form.get("from") == "corbeille":
        return redirect(url_for("ui.removal.trash"))
    return redirect(url_for("ui.documents.show", document_id=document_id))


@bp.get("/corbeille")
def trash():
    number = max(request.args.get("page", 1, type=int), 1)
    found = list_deleted(uow(), principal(), Page(number, PAGE_SIZE))
    return render_template("ui/trash.html", found=found)
