"""The upload page: several files at once, by drag and drop or the file picker.

With scripts on, static/upload.js sends each file to POST /api/v1/documents with a
progress bar and then follows its pipeline status; without them, the form posts
here and the files are filed one after the other. With "split" checked, each file is a
scanned batch, split by a worker into documents at its separator sheets.
"""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, url_for

from ged.errors import InvalidInput, PermissionDenied
from ged.services import batches, catalog
from ged.services import documents as service
from ged.services.documents import Upload
from ged.web.context import principal, settings, uow
from ged.web.ui import forms
from ged.web.ui.i18n import reason
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("upload", __name__, enable_openapi=False)


@bp.get("/deposer")
def page():
    work, caller = uow(), principal()
    # Only the units this person may file into: choosing another would fail every file.
    units = [(name, name) for name in catalog.filing_units(work, caller)]
    return render_template(
        "ui/upload.html",
        unit_options=units,
        type_options=[(kind.code, kind.label) for kind in catalog.document_types(work, caller)],
        recent=catalog.recent_uploads(work, caller),
        max_upload_mb=settings().web.max_upload_mb,
    )


@bp.post("/deposer")
def upload():
    form = request.form
    files = [file for file in request.files.getlist("file") if file.filename]
    if not files:
        flash(_("Choisissez au moins un fichier."), "error")
        return redirect(url_for("ui.upload.page"))
    filed, refused = 0, []
    for file in files:
        metadata = service.Metadata(
            document_type=form.get("document_type") or None,
            unit=form.get("unit") or None,
            tags=forms.split_tags(form.get("tags", "")),
        )
        upload = Upload(stream=file.stream, filename=file.filename)
        try:
            if form.get("split") == "separators":
                batch = batches.submit_upload(
                    uow(), principal(), upload, metadata, form.get("drop_blank") == "true"
                )
                flash(_("Lot n° {id} reçu ; son découpage commence.", id=batch.id), "success")
                continue
            service.file_upload(uow(), principal(), upload, metadata)
        except (InvalidInput, PermissionDenied) as refusal:
            refused.append(f"{file.filename} : {reason(refusal)}")
            continue
        filed += 1
    if filed:
        flash(_("{n} document(s) déposé(s) ; leur traitement commence.", n=filed), "success")
    for refusal in refused:
        flash(_("Refusé : {reason}", reason=refusal), "error")
    return redirect(url_for("ui.upload.page"))
