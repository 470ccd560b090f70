"""Notes (avis) from the document page: write one, answer one, change one's own."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, request, url_for

from ged.errors import InvalidInput
from ged.services import notes as service
from ged.web.context import principal, uow
from ged.web.ui.document_page import render_document
from ged.web.ui.i18n import reason
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("notes", __name__, url_prefix="/documents", enable_openapi=False)

_EMPTY = "Écrivez le texte de l'avis."


@bp.post("/<int:document_id>/avis")
def add(document_id: int):
    """A new note, or with ``reply_to`` an answer to one."""
    reply_to = request.form.get("reply_to", type=int)
    body = request.form.get("body", "")
    if not body.strip():
        if reply_to is None:
            return render_document(document_id, errors={"body": _(_EMPTY)}), 400
        flash(_(_EMPTY), "error")
        return _back(document_id)
    try:
        service.add_note(uow(), principal(), document_id, body, reply_to)
    except InvalidInput as refused:
        return render_document(document_id, errors={"body": reason(refused)}), 400
    flash(_("Réponse enregistrée.") if reply_to else _("Avis enregistré."), "success")
    return _back(document_id)


@bp.post("/<int:document_id>/avis/<int:note_id>")
def edit(document_id: int, note_id: int):
    body = request.form.get("body", "")
    if not body.strip():
        flash(_(_EMPTY), "error")
        return _back(document_id)
    service.edit_note(uow(), principal(), document_id, note_id, body)
    flash(_("Avis modifié."), "success")
    return _back(document_id)


def _back(document_id: int):
    return redirect(url_for("ui.documents.show", document_id=document_id, _anchor="avis"))
