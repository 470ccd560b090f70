"""For a document's managers: its grants, and its own audit history."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, url_for

from ged.errors import InvalidInput
from ged.services.acl import document_history, replace_document_acl
from ged.web.context import principal, uow
from ged.web.ui.document_page import render_document
from ged.web.ui.forms import read_grants
from ged.web.ui.i18n import reason
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("access", __name__, url_prefix="/documents", enable_openapi=False)

HISTORY_SIZE = 50


@bp.post("/<int:document_id>/acces")
def replace(document_id: int):
    form = request.form
    try:
        replace_document_acl(uow(), principal(), document_id, "inherit" in form, read_grants(form))
    except InvalidInput as refused:
        errors = {"grants": _("Droits non modifiés : {reason}", reason=reason(refused))}
        return render_document(document_id, errors=errors), 400
    flash(_("Droits d'accès enregistrés."), "success")
    return redirect(url_for("ui.documents.show", document_id=document_id, _anchor="acces"))


@bp.get("/<int:document_id>/historique")
def history(document_id: int):
    """Who did what to this document; looking is itself audited, so it is a page of its
    own rather than a part of every visit to the document."""
    page = max(request.args.get("page", 1, type=int), 1)
    document, found = document_history(uow(), principal(), document_id, page, HISTORY_SIZE)
    return render_template("ui/history.html", document=document, found=found)
