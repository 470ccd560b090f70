"""/api/v1/documents: upload, metadata, versions, content, delete and restore."""

from __future__ import annotations

from apiflask import APIBlueprint, HTTPError
from flask import request, url_for

from ged.errors import InvalidInput
from ged.parsing import positive_int
from ged.services import documents as service
from ged.services.documents import Metadata, Upload
from ged.web.api.inputs import json_object, parse_date
from ged.web.api.serialize import document_json, text_json, version_json, version_status
from ged.web.blobs import send_version
from ged.web.context import principal, uow

bp = APIBlueprint("documents", __name__, url_prefix="/api/v1/documents", tag="Documents")

_METADATA_FIELDS = {"title", "document_type", "unit", "tags", "document_date"}


@bp.post("")
@bp.doc(
    summary="File a new document",
    description="multipart/form-data: `file` (required), `title`, `document_type` (code), "
    "`unit` (name), `tags` (repeated, or comma-separated), `document_date` (YYYY-MM-DD). "
    "Answers 202: the document is stored, the pipeline (OCR, classification, indexing) follows.",
)
def create():
    upload = _upload_from_request()
    form = request.form
    metadata = Metadata(
        title=form.get("title"),
        document_type=form.get("document_type"),
        unit=form.get("unit"),
        tags=_tags_from_form(),
        document_date=parse_date(form.get("document_date"), "document_date"),
    )
    version = service.file_upload(uow(), principal(), upload, metadata)
    return _accepted(version)


@bp.get("/<int:document_id>")
@bp.doc(summary="Metadata, current version and pipeline status of a document")
def read(document_id: int):
    version = service.read_version(uow(), principal(), document_id, "document.view")
    return document_json(version.document, version)


@bp.patch("/<int:document_id>")
@bp.doc(
    summary="Edit metadata",
    description="JSON object with any of: title, document_type, unit, tags (list), document_date.",
)
def edit(document_id: int):
    body = json_object()
    if not body:
        raise InvalidInput("send a JSON object with the fields to change")
    unknown = set(body) - _METADATA_FIELDS
    if unknown:
        raise InvalidInput(
            f"unknown field(s): {', '.join(sorted(unknown))}; "
            f"editable: {', '.join(sorted(_METADATA_FIELDS))}",
            field=sorted(unknown)[0],
        )
    tags = body.get("tags")
    if "tags" in body and not (isinstance(tags, list) and all(isinstance(t, str) for t in tags)):
        raise InvalidInput("tags must be a list of strings", field="tags")
    for field in ("title", "document_type", "unit"):
        if body.get(field) is not None and not isinstance(body[field], str):
            raise InvalidInput(f"{field} must be a string", field=field)
    changes = Metadata(
        title=body.get("title"),
        document_type=body.get("document_type"),
        unit=body.get("unit"),
        tags=tuple(tags or ()),
        document_date=parse_date(body.get("document_date"), "document_date"),
    )
    document = service.update_metadata(uow(), principal(), document_id, changes, set(body))
    return _document_as_is(document.id)


@bp.delete("/<int:document_id>")
@bp.doc(summary="Delete a document (soft: an archivist can restore it)")
def delete(document_id: int):
    service.delete_document(uow(), principal(), document_id)
    return "", 204


@bp.post("/<int:document_id>/restore")
@bp.doc(summary="Restore a deleted document (archivist, admin)")
def undelete(document_id: int):
    service.undelete_document(uow(), principal(), document_id)
    return _document_as_is(document_id)


@bp.get("/<int:document_id>/versions")
@bp.doc(summary="Version history, oldest first")
def versions(document_id: int):
    service.read_version(uow(), principal(), document_id, "document.versions")
    found = service.list_versions(uow(), principal(), document_id)
    return {"versions": [version_json(version) for version in found]}


@bp.post("/<int:document_id>/versions")
@bp.doc(
    summary="Add a version",
    description="multipart/form-data: `file` (required) and `comment`. Answers 202.",
)
def add_version(document_id: int):
    upload = _upload_from_request()
    comment = request.form.get("comment", "")
    version = service.add_version(uow(), principal(), document_id, upload, comment)
    return _accepted(version)


@bp.post("/<int:document_id>/versions/<int:number>/restore")
@bp.doc(summary="Make an old version current again, as a new version (history is kept)")
def restore_version(document_id: int, number: int):
    body = request.get_json(silent=True)
    comment = body.get("comment", "") if isinstance(body, dict) else ""
    version = service.restore_version(uow(), principal(), document_id, number, str(comment))
    return _accepted(version)


@bp.get("/<int:document_id>/content")
@bp.doc(
    summary="Bytes of the current version, or of `?version=N`",
    description="ETag is the SHA-256; supports If-None-Match and Range.",
)
def content(document_id: int):
    number = positive_int(request.args.get("version"), "version")
    version = service.read_version(uow(), principal(), document_id, "document.download", number)
    return send_version(version, attachment=True)


@bp.get("/<int:document_id>/text")
@bp.doc(summary="Extracted text per page of the current version, or of `?version=N`")
def text(document_id: int):
    number = positive_int(request.args.get("version"), "version")
    version = service.read_version(uow(), principal(), document_id, "document.text", number)
    return text_json(version)


def _document_as_is(document_id: int):
    """The document after a change: the change is audited, not a view of it."""
    version = service.find_version(uow(), principal(), document_id)
    return document_json(version.document, version)


def _accepted(version):
    body = {
        "id": version.document_id,
        "version": version.number,
        "status": version_status(version),
        "queued": version.id in uow().queued_versions,
    }
    location = url_for("documents.read", document_id=version.document_id)
    return body, 202, {"Location": location}


def _upload_from_request() -> Upload:
    if request.mimetype != "multipart/form-data":
        raise HTTPError(415, "send the file as multipart/form-data, in a part named 'file'")
    file = request.files.get("file")
    if file is None:
        raise InvalidInput("the request has no 'file' part", field="file")
    return Upload(stream=file.stream, filename=file.filename or "")


def _tags_from_form() -> tuple[str, ...] | None:
    values = request.form.getlist("tags")
    if not values:
        return None
    return tuple(tag for value in values for tag in value.split(","))
