"""/api/v1/documents: pages work (rotate, reorder, delete, extract) and merges, each a
new version (ged.services.page_edits)."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import url_for

from ged.models import Version
from ged.services import page_edits
from ged.services.page_plans import PageChanges
from ged.web.api.contract import DESTROYED, errors
from ged.web.api.revisions import expected_revision
from ged.web.api.schemas.common import Preconditions
from ged.web.api.schemas.documents import Accepted
from ged.web.api.schemas.pages import DocumentsMerge, PagesEdit, PagesExtract
from ged.web.context import principal, uow

bp = APIBlueprint("pages", __name__, url_prefix="/api/v1/documents", tag="Documents")

_LOCATION = {"Location": {"description": "the document", "schema": {"type": "string"}}}
_QUEUED = "the pipeline follows; the text of pages is carried over, not read again"
#: an extract or a merge: a new document, stored and queued
created = bp.output(
    Accepted, status_code=201, description=f"the new document; {_QUEUED}", headers=_LOCATION
)


@bp.post("/<int:document_id>/pages")
@bp.input(Preconditions, location="headers")
@bp.input(PagesEdit, location="json")
@bp.output(
    Accepted, status_code=202, description=f"the new version, stored; {_QUEUED}", headers=_LOCATION
)
@bp.doc(
    summary="Turn, reorder or delete pages of a PDF, as a new version",
    description="Pages are numbered as in the current version. Send If-Match with the "
    "document's ETag to edit it only as it was read.",
    responses=errors(400, 403, 404, 409, 412, 415, 422, gone=DESTROYED),
)
def edit(document_id: int, headers_data: Preconditions, json_data: PagesEdit):
    changes = PageChanges(
        rotate={int(page): angle for page, angle in (json_data.rotate or {}).items()},
        order=json_data.order,
        delete=frozenset(json_data.delete or ()),
    )
    version = page_edits.edit_pages(
        uow(), principal(), document_id, changes, json_data.comment, expected_revision(headers_data)
    )
    return _answer(version, 202)


@bp.post("/<int:document_id>/extract")
@bp.input(PagesExtract, location="json")
@created
@bp.doc(
    summary="Extract pages of a PDF into a new document",
    description="Read access on the source and the right to file in its unit are needed.",
    responses=errors(400, 403, 404, 409, 415, 422, gone=DESTROYED),
)
def extract(document_id: int, json_data: PagesExtract):
    version = page_edits.extract_pages(
        uow(), principal(), document_id, json_data.pages, json_data.title
    )
    return _answer(version, 201)


@bp.post("/merge")
@bp.input(DocumentsMerge, location="json")
@created
@bp.doc(
    summary="Merge PDF documents into a new document, in the order given",
    description="Read access on each and the right to file in the first one's unit are needed.",
    responses=errors(400, 403, 404, 409, 415, 422, gone=DESTROYED),
)
def merge(json_data: DocumentsMerge):
    version = page_edits.merge_documents(uow(), principal(), json_data.documents, json_data.title)
    return _answer(version, 201)


def _answer(version: Version, status: int):
    queued = version.id in uow().queued_versions
    location = url_for("documents.read", document_id=version.document_id)
    return Accepted.of(version, queued), status, {"Location": location}
