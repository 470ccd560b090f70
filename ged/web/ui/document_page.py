"""The document page: metadata (editable by writers), preview, text, versions, status,
extracted metadata, similar documents, and the ACL for managers."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from ged.access import may
from ged.errors import DocumentNotFound, NotFound, ServiceUnavailable
from ged.models import Document
from ged.services import catalog, holds, notes, renditions
from ged.services import documents as service
from ged.services.acl import document_grants
from ged.services.document_links import linked_documents, mail_origin
from ged.services.retrieval import similar_documents
from ged.web.blobs import send_version
from ged.web.context import principal, uow
from ged.web.ui import forms, security
from ged.web.ui.document_pictures import page_viewer
from ged.web.ui.formatting import is_final, status_label
from ged.web.ui.i18n import reason
from ged.web.ui.i18n import translate as _

bp = APIBlueprint("documents", __name__, url_prefix="/documents", enable_openapi=False)

#: what the browser may show inside the page, by kind of preview
PREVIEWS = {
    "application/pdf": "pdf",
    "image/png": "image",
    "image/jpeg": "image",
    "text/plain": "text",
}


@bp.get("/<int:document_id>")
def show(document_id: int):
    return render_document(document_id)


@bp.post("/<int:document_id>")
def edit(document_id: int):
    work, caller = uow(), principal()
    document = service.find_version(work, caller, document_id).document
    types = {kind.code for kind in catalog.document_types(work, caller)}
    units = set(catalog.unit_names(work, caller))
    metadata, errors = forms.read_metadata(request.form, types, units)
    changed = forms.changed_fields(document, metadata)
    if document.title_proposed:
        changed.add("title")  # saving the form confirms ged's proposal, even unchanged
    moved_to = metadata.unit if "unit" in changed and "unit" not in errors else None
    if moved_to and moved_to not in catalog.filing_units(work, caller):
        errors["unit"] = _("Vous ne pouvez pas classer de documents dans ce service.")
    if errors:
        return render_document(document_id, form=request.form, errors=errors), 400
    if changed:
        service.update_metadata(work, caller, document_id, metadata, changed)
        flash(_("Modifications enregistrées."), "success")
    else:
        flash(_("Aucune modification."), "info")
    return redirect(url_for("ui.documents.show", document_id=document_id))


@bp.get("/<int:document_id>/etat")
def status(document_id: int):
    """The pipeline state in words, polled by the upload page and the document page."""
    version = service.find_version(uow(), principal(), document_id)
    return {
        "status": version.public_status,
        "label": status_label(version),
        "error": reason(version.error) or None,
        "final": is_final(version),
    }


@bp.get("/<int:document_id>/apercu")
def preview(document_id: int):
    """The bytes for the inline preview: only types the browser shows itself, in a
    sandbox of their own origin, so a crafted file cannot act as a page of ged."""
    number = request.args.get("version", type=int)
    version = service.read_version(uow(), principal(), document_id, "document.preview", number)
    if version.mime_type not in PREVIEWS:
        raise NotFound(f"no preview for {version.mime_type}")
    # Its own sandbox, and only our pages may frame it (the PDF viewer asks for ranges).
    return send_version(
        version,
        attachment=False,
        headers={
            "Content-Security-Policy": security.PREVIEW_POLICY,
            "X-Frame-Options": "SAMEORIGIN",
        },
    )


def render_document(document_id: int, form: MultiDict | None = None, errors=None):
    """The page, with a form's values and errors when it is drawn again after one."""
    work, caller = uow(), principal()
    version = service.read_version(work, caller, document_id, "document.view")
    document = version.document
    permissions = catalog.permissions_on(work, caller, document)
    may_manage = "manage" in permissions
    types = catalog.document_types(work, caller)
    return render_template(
        "ui/document.html",
        document=document,
        version=version,
        versions=list(reversed(service.list_versions(work, caller, document_id).items)),
        values=form or _current_values(document),
        errors=errors or {},
        may_write="write" in permissions,
        may_manage=may_manage,
        acl=document_grants(work, caller, document_id) if may_manage else None,
        grant_principals=catalog.grant_principals(work, caller) if may_manage else [],
        type_options=[(kind.code, kind.label) for kind in types],
        type_labels={kind.code: kind.label for kind in types},
        unit_options=[(name, name) for name in catalog.unit_names(work, caller)],
        preview=PREVIEWS.get(version.mime_type),
        similar=_similar(document_id),
        linked=linked_documents(work, caller, document_id),
        mail=mail_origin(work, caller, document_id),
        final=is_final(version),
        holds_in_force=_holds_in_force(document_id),
        # Downloaded through the API's content route, which audits it (read_rendition).
        pdfa=renditions.rendition_of(work.session, version.id, renditions.PDFA),
        viewer=page_viewer(version, request.args),
        # the page's view is audited already (document.view)
        notes=notes.list_notes(work, caller, document_id, audited=False),
    )


def _current_values(document: Document) -> dict[str, str]:
    return {
        "title": document.title,
        "document_type": document.document_type.code if document.document_type else "",
        "unit": document.unit.name if document.unit else "",
        "tags": ", ".join(tag.name for tag in document.tags),
        "document_date": document.document_date.isoformat() if document.document_date else "",
    }


def _holds_in_force(document_id: int) -> list:
    """The holds keeping the document, to those who see holds (the others are told by
    the refusal if they try to delete it)."""
    if not may(principal(), "hold.read"):
        return []
    found = holds.document_holds(uow(), principal(), document_id)
    return [hold for hold in found if holds.is_in_force(hold)]


def _similar(document_id: int) -> list[dict] | None:
    """Similar readable documents; [] when this one is not indexed yet, None when the
    index does not answer (the rest of the page is still useful then)."""
    try:
        return similar_documents(uow(), principal(), document_id, size=5)
    except DocumentNotFound:
        return []
    except ServiceUnavailable:
        return None
