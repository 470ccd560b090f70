"""/api/v1/holds: legal holds (gels) placed on documents, extended and released."""

from __future__ import annotations

from apiflask import APIBlueprint

from ged.services import holds
from ged.services.paging import Page
from ged.web.api.contract import errors
from ged.web.api.paging import LINKS, paged
from ged.web.api.schemas.common import PageQuery
from ged.web.api.schemas.holds import (
    AddDocuments,
    HoldDocumentPage,
    HoldList,
    HoldOut,
    HoldPage,
    HoldQuery,
    NewHold,
    Release,
)
from ged.web.api.schemas.retention import UnruledDocument
from ged.web.context import principal, uow

bp = APIBlueprint("holds", __name__, url_prefix="/api/v1", tag="Legal holds")


@bp.get("/holds")
@bp.input(HoldQuery, location="query")
@bp.output(HoldPage, description="one page of holds, newest first", headers=LINKS)
@bp.doc(summary="Legal holds", responses=errors(403))
def list_holds(query_data: HoldQuery):
    page = Page(query_data.page, query_data.size)
    found = holds.list_holds(uow(), principal(), page, query_data.in_force)
    return paged(found, "holds", [HoldOut.of(hold) for hold in found.items])


@bp.post("/holds")
@bp.input(NewHold, location="json")
@bp.output(HoldOut, status_code=201, description="in force: its documents cannot be deleted")
@bp.doc(
    summary="Place a legal hold on documents (archivist, admin)",
    description="While in force, no one (administrators included) may delete, purge, "
    "dispose of or remove a version of its documents.",
    responses=errors(403, 415),
)
def place_hold(json_data: NewHold):
    selection = json_data.selection.model_dump()
    hold = holds.place_hold(uow(), principal(), json_data.reason, selection, json_data.ends_on)
    return HoldOut.of(hold), 201


@bp.get("/holds/<int:hold_id>")
@bp.output(HoldOut, description="the hold")
@bp.doc(summary="One legal hold", responses=errors(403, 404))
def read_hold(hold_id: int):
    return HoldOut.of(holds.read_hold(uow(), principal(), hold_id))


@bp.get("/holds/<int:hold_id>/documents")
@bp.input(PageQuery, location="query")
@bp.output(HoldDocumentPage, description="one page of the documents it covers", headers=LINKS)
@bp.doc(summary="The documents a hold covers", responses=errors(403, 404))
def hold_documents(hold_id: int, query_data: PageQuery):
    page = Page(query_data.page, query_data.size)
    found = holds.hold_documents(uow(), principal(), hold_id, page)
    return paged(found, "documents", [UnruledDocument.of(doc) for doc in found.items])


@bp.post("/holds/<int:hold_id>/documents")
@bp.input(AddDocuments, location="json")
@bp.output(HoldOut, description="the hold, extended")
@bp.doc(summary="Add documents to a hold in force", responses=errors(403, 404, 409, 415))
def add_documents(hold_id: int, json_data: AddDocuments):
    selection = json_data.selection.model_dump()
    return HoldOut.of(holds.add_to_hold(uow(), principal(), hold_id, selection))


@bp.post("/holds/<int:hold_id>/release")
@bp.input(Release, location="json")
@bp.output(HoldOut, description="released")
@bp.doc(summary="Release a hold, saying why", responses=errors(403, 404, 409, 415))
def release_hold(hold_id: int, json_data: Release):
    return HoldOut.of(holds.release_hold(uow(), principal(), hold_id, json_data.reason))


@bp.get("/documents/<int:document_id>/holds")
@bp.output(HoldList, description="every hold, in force or ended, on the document")
@bp.doc(summary="The legal holds of a document", responses=errors(403, 404))
def document_holds(document_id: int):
    found = holds.document_holds(uow(), principal(), document_id)
    return HoldList(holds=[HoldOut.of(hold) for hold in found])
