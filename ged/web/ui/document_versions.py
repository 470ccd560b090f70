"""Adding a version to a document and restoring an old one, from the document page."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, request, url_for

from ged.errors import InvalidInput
from ged.services import documents as service
from ged.services.documents import Upload
from ged.web.context import principal, uow
from ged.web.ui.document_page import render_document
from ged.web.ui.i18n import reason
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("versions", __name__, url_prefix="/documents", enable_openapi=False)


@bp.post("/<int:document_id>/versions")
def add(document_id: int):
    file = request.files.get("file")
    if file is None or not file.filename:
        errors = {"file": _("Choisissez le fichier de la nouvelle version.")}
        return render_document(document_id, errors=errors), 400
    try:
        version = service.add_version(
            uow(),
            principal(),
            document_id,
            Upload(stream=file.stream, filename=file.filename),
            request.form.get("comment", "").strip(),
        )
    except InvalidInput as refused:
        # Empty file, unusable name: said next to the file field.
        errors = {"file": _("Fichier refusé : {reason}", reason=reason(refused))}
        return render_document(document_id, errors=errors), 400
    flash(_("Version {n} déposée ; son traitement commence.", n=version.number), "success")
    return redirect(url_for("ui.documents.show", document_id=document_id))


@bp.post("/<int:document_id>/versions/<int:number>/restaurer")
def restore(document_id: int, number: int):
    version = service.restore_version(uow(), principal(), document_id, number, "")
    flash(
        _(
            "La version {old} est redevenue courante, en tant que version {new}.",
            old=number,
            new=version.number,
        ),
        "success",
    )
    return redirect(url_for("ui.documents.show", document_id=document_id))
