"""/api/v1/documents: list, upload, metadata, versions, content, delete and restore."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import url_for

from ged.services import batches, document_list, renditions
from ged.services import documents as service
from ged.services.document_links import linked_documents, mail_origin
from ged.services.documents import Metadata, Upload
from ged.services.paging import Page
from ged.timeutil import iso
from ged.web.api.contract import DESTROYED, errors
from ged.web.api.paging import LINKS, paged
from ged.web.api.revisions import ETAG, expected_revision, with_etag
from ged.web.api.schemas.batches import BatchOut
from ged.web.api.schemas.common import PageQuery, Preconditions
from ged.web.api.schemas.documents import (
    Accepted,
    ContentQuery,
    DocumentListQuery,
    DocumentOut,
    DocumentPage,
    LinkOut,
    MailOut,
    MetadataEdit,
    RestoreBody,
    TextOut,
    UploadAccepted,
    UploadForm,
    VersionForm,
    VersionOut,
    VersionPage,
    VersionQuery,
)
from ged.web.blobs import send_rendition, send_version
from ged.web.context import principal, uow

bp = APIBlueprint("documents", __name__, url_prefix="/api/v1/documents", tag="Documents")


def _follow(operation: str, **parameters: str) -> dict:
    values = {"document_id": "$response.body#/id", **parameters}
    return {"operationId": operation, "parameters": values}


#: what a client does next with a filed version: the OpenAPI links (and the fuzzer's paths)
_NEXT = {
    "ReadDocument": _follow("documents_read"),
    "ReadText": _follow("documents_text"),
    "Download": _follow("documents_content"),
    "AddVersion": _follow("documents_add_version"),
    "RestoreVersion": _follow("documents_restore_version", number="$response.body#/version"),
    "EditMetadata": _follow("documents_edit"),
    "ReadAcl": _follow("acl_read_document_acl"),
    "Delete": _follow("documents_delete"),
}

_ACCEPTED_HEADERS = {"Location": {"description": "the document", "schema": {"type": "string"}}}
#: a new version, stored and queued: what filing, adding and restoring answer
accepted = bp.output(
    Accepted,
    status_code=202,
    description="stored; the pipeline (OCR, classification, indexing) follows",
    headers=_ACCEPTED_HEADERS,
    links=_NEXT,
)


@bp.get("")
@bp.input(DocumentListQuery, location="query")
@bp.output(DocumentPage, description="one page of readable documents", headers=LINKS)
@bp.doc(
    summary="List readable documents, filtered, newest document date first",
    description="The same filters as search, without a query; documents still in the pipeline "
    "are listed too. `sort=updated` walks them by last change, oldest first, for sync scripts "
    "(with `updated_since`).",
    responses=errors(400),
)
def list_documents(query_data: DocumentListQuery):
    filters = document_list.ListFilters(
        document_types=query_data.document_type,
        units=query_data.unit,
        tags=query_data.tag,
        mime_types=query_data.mime_type,
        date_from=query_data.date_from,
        date_to=query_data.date_to,
        updated_since=query_data.updated_since,
        sort=query_data.sort,
    )
    page = Page(query_data.page, query_data.size)
    found = document_list.list_documents(uow(), principal(), filters, page)
    return paged(found, "documents", [DocumentOut.of(doc, version) for doc, version in found.items])


@bp.post("")
@bp.input(UploadForm, location="files")
@bp.output(
    UploadAccepted,
    status_code=202,
    description="stored; the pipeline (OCR, classification, indexing) follows. With "
    "split=separators, the batch, split by a worker (follow it at Location)",
    headers=_ACCEPTED_HEADERS,
    links=_NEXT,
)
@bp.doc(
    summary="File a new document, or a scanned batch of documents",
    description="The document is stored at once; its pipeline (OCR, classification, indexing) "
    "follows: poll the document until its status is no longer `processing`. With "
    "`split=separators` the file (PDF or TIFF) is a batch: each part between separator "
    "sheets becomes a document, and the answer is the batch.",
    responses=errors(400, 403, 413, 415),
)
def create(files_data: UploadForm):
    metadata = Metadata(
        title=files_data.title,
        document_type=files_data.document_type,
        unit=files_data.unit,
        tags=tuple(files_data.tags) or None,
        document_date=files_data.document_date,
    )
    upload = Upload(stream=files_data.file.stream, filename=files_data.file.filename or "")
    if files_data.split == "separators":
        drop_blank = files_data.drop_blank == "true"
        batch = batches.submit_upload(uow(), principal(), upload, metadata, drop_blank)
        location = url_for("batches.read_batch", batch_id=batch.id)
        return BatchOut.of(batch), 202, {"Location": location}
    version = service.file_upload(uow(), principal(), upload, metadata)
    return _accepted(version)


@bp.get("/<int:document_id>")
@bp.output(DocumentOut, description="the document and its current version", headers=ETAG)
@bp.doc(
    summary="Metadata, current version and pipeline status of a document",
    responses=errors(
        404, gone=f"deleted: an archivist or administrator can restore it; or {DESTROYED}"
    ),
)
def read(document_id: int):
    version = service.read_version(
        uow(), principal(), document_id, "document.view", deleted_is_gone=True
    )
    links = [LinkOut(**vars(link)) for link in linked_documents(uow(), principal(), document_id)]
    origin = mail_origin(uow(), principal(), document_id)
    mail = MailOut(**{**vars(origin), "sent_at": iso(origin.sent_at)}) if origin else None
    answer = DocumentOut.of(version.document, version)
    return with_etag(answer.model_copy(update={"links": links, "mail": mail}))


@bp.patch("/<int:document_id>")
@bp.input(Preconditions, location="headers")
@bp.input(MetadataEdit, location="json")
@bp.output(DocumentOut, description="the document as it now is", headers=ETAG)
@bp.doc(
    summary="Edit metadata",
    description="Send If-Match with the ETag read to change the document only as it was read.",
    responses=errors(400, 403, 404, 409, 415, 412, gone=DESTROYED),
)
def edit(document_id: int, headers_data: Preconditions, json_data: MetadataEdit):
    fields = json_data.model_fields_set
    changes = Metadata(
        title=json_data.title,
        document_type=json_data.document_type,
        unit=json_data.unit,
        tags=tuple(json_data.tags or ()),
        document_date=json_data.document_date,
    )
    document = service.update_metadata(
        uow(), principal(), document_id, changes, set(fields), expected_revision(headers_data)
    )
    return with_etag(_document_as_is(document.id))


@bp.delete("/<int:document_id>")
@bp.output({}, status_code=204, description="deleted")
@bp.doc(
    summary="Delete a document (soft: an archivist can restore it)",
    responses=errors(403, 404, 409, gone=DESTROYED),
)
def delete(document_id: int):
    service.delete_document(uow(), principal(), document_id)
    return ""


@bp.post("/<int:document_id>/restore")
@bp.output(DocumentOut, description="the document, active again")
@bp.doc(
    summary="Restore a deleted document (archivist, admin)",
    responses=errors(403, 404, 409, gone=DESTROYED),
)
def undelete(document_id: int):
    service.undelete_document(uow(), principal(), document_id)
    return _document_as_is(document_id)


@bp.get("/<int:document_id>/versions")
@bp.input(PageQuery, location="query")
@bp.output(VersionPage, description="one page of the history, oldest first", headers=LINKS)
@bp.doc(summary="Version history, oldest first", responses=errors(400, 404, gone=DESTROYED))
def versions(document_id: int, query_data: PageQuery):
    service.read_version(uow(), principal(), document_id, "document.versions")
    page = Page(query_data.page, query_data.size)
    found = service.list_versions(uow(), principal(), document_id, page)
    return paged(found, "versions", [VersionOut.of(version) for version in found.items])


@bp.post("/<int:document_id>/versions")
@bp.input(VersionForm, location="files")
@accepted
@bp.doc(summary="Add a version", responses=errors(400, 403, 404, 409, 413, 415, gone=DESTROYED))
def add_version(document_id: int, files_data: VersionForm):
    upload = Upload(stream=files_data.file.stream, filename=files_data.file.filename or "")
    version = service.add_version(uow(), principal(), document_id, upload, files_data.comment)
    return _accepted(version)


@bp.post("/<int:document_id>/versions/<int:number>/restore")
@bp.input(RestoreBody, location="json")
@accepted
@bp.doc(
    summary="Make an old version current again, as a new version (history is kept)",
    responses=errors(400, 403, 404, 409, 415, gone=DESTROYED),
)
def restore_version(document_id: int, number: int, json_data: RestoreBody):
    version = service.restore_version(uow(), principal(), document_id, number, json_data.comment)
    return _accepted(version)


#: the version's own type, as detected from its bytes: any, as far as a client knows
_BYTES = {
    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
    "*/*": {"schema": {"type": "string", "format": "binary"}},
}


@bp.get("/<int:document_id>/content")
@bp.input(ContentQuery, location="query")
@bp.doc(
    summary="Bytes of the current version, or of `?version=N`; or its `?rendition=pdfa`",
    description="Served with the version's detected MIME type. `ETag` is the SHA-256; "
    "`If-None-Match` and `Range` (one range) are honoured. `?rendition=pdfa`: the "
    "searchable PDF/A-2b of a scan instead (404 for a version that has none, such as a "
    "born-digital PDF; 409 while the version is still processed); `?rendition=thumbnail`: "
    "a WebP of its first page, 200 pixels wide (ETag: its SHA-256).",
    responses={
        200: {"description": "the bytes", "content": _BYTES},
        206: {"description": "the range asked for", "content": _BYTES},
        304: "not modified (If-None-Match)",
        **errors(400, 404, 409, 416, gone=DESTROYED),
    },
)
def content(document_id: int, query_data: ContentQuery):
    if query_data.rendition is not None:
        version, rendition = renditions.read_rendition(
            uow(), principal(), document_id, query_data.rendition, query_data.version
        )
        return send_rendition(version, rendition)
    version = service.read_version(
        uow(), principal(), document_id, "document.download", query_data.version
    )
    return send_version(version, attachment=True)


@bp.get("/<int:document_id>/text")
@bp.input(VersionQuery, location="query")
@bp.output(TextOut, description="the text of each page, with its source")
@bp.doc(
    summary="Extracted text per page of the current version, or of `?version=N`",
    responses=errors(400, 404, gone=DESTROYED),
)
def text(document_id: int, query_data: VersionQuery):
    version = service.read_version(
        uow(), principal(), document_id, "document.text", query_data.version
    )
    return TextOut.of(version)


def _document_as_is(document_id: int) -> DocumentOut:
    """The document after a change: the change is audited, not a view of it."""
    version = service.find_version(uow(), principal(), document_id)
    return DocumentOut.of(version.document, version)


def _accepted(version):
    queued = version.id in uow().queued_versions
    location = url_for("documents.read", document_id=version.document_id)
    return Accepted.of(version, queued), 202, {"Location": location}
