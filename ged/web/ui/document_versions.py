"""Adding a version to a document and restoring an old one, from the document page."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, request, url_for

from ged.errors import InvalidInput
from ged.services import documents as service
from ged.services.documents import Upload
from ged.web.context import db, principal, settings, store
from ged.web.ui.document_page import render_document
from ged.web.ui.i18n import translate as _
from workers.queue import enqueue_versions

bp = APIBlueprint("versions", __name__, url_prefix="/documents", enable_openapi=False)


@bp.post("/<int:document_id>/versions")
def add(document_id: int):
    file = request.files.get("file")
    if file is None or not file.filename:
        errors = {"file": _("Choisissez le fichier de la nouvelle version.")}
        return render_document(document_id, errors=errors), 400
    try:
        version = service.add_version(
            db(),
            store(),
            principal(),
            document_id,
            Upload(stream=file.stream, filename=file.filename),
            request.form.get("comment", "").strip(),
            settings().web.max_upload_mb * 1024 * 1024,
        )
    except InvalidInput as refused:
        # Empty file, unusable name: said next to the file field.
        errors = {"file": _("Fichier refusé : {reason}", reason=str(refused))}
        return render_document(document_id, errors=errors), 400
    enqueue_versions(settings(), [version.id])
    flash(_("Version {n} déposée ; son traitement commence.", n=version.number), "success")
    return redirect(url_for("ui.documents.show", document_id=document_id))


@bp.post("/<int:document_id>/versions/<int:number>/restaurer")
def restore(document_id: int, number: int):
    version = service.restore_version(db(), principal(), document_id, number, "")
    enqueue_versions(settings(), [version.id])
    flash(
        _(
            "La version {old} est redevenue courante, en tant que version {new}.",
            old=number,
            new=version.number,
        ),
        "success",
    )
    return redirect(url_for("ui.documents.show", document_id=document_id))
