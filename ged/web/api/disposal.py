"""/api/v1/disposal: the queues of documents due, disposal lists and their visa, certificates."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import send_file

from ged.services import certificates, disposal, disposal_queues
from ged.services.paging import Page
from ged.web.api.contract import errors
from ged.web.api.paging import LINKS, paged
from ged.web.api.schemas.common import PageQuery
from ged.web.api.schemas.disposal import (
    AddToList,
    CertificateQuery,
    Decision,
    ListOut,
    ListPage,
    ListQuery,
    ListSummary,
    NewList,
    QueueEntryOut,
    QueuePage,
    QueuesOut,
)
from ged.web.context import close_uow, principal, uow

bp = APIBlueprint("disposal", __name__, url_prefix="/api/v1/disposal", tag="Disposal")


def _selection(selection) -> dict | None:
    return None if selection is None else selection.model_dump(mode="json", exclude_unset=True)


@bp.get("/queues")
@bp.output(QueuesOut, description="documents due today, by the final action of their rule")
@bp.doc(summary="Disposal queues: à éliminer, à verser, à trier, versés", responses=errors(403))
def queues():
    return QueuesOut.of(disposal_queues.queues(uow(), principal()))


@bp.get("/queues/<queue>")
@bp.input(PageQuery, location="query")
@bp.output(QueuePage, description="one page of the queue, longest overdue first", headers=LINKS)
@bp.doc(
    summary="The documents of one queue (destroy, transfer, sort, transferred)",
    responses=errors(400, 403, 422),
)
def queue(queue: str, query_data: PageQuery):
    found = disposal_queues.queue_page(
        uow(), principal(), queue, Page(query_data.page, query_data.size)
    )
    return paged(found, "documents", [QueueEntryOut.of(entry) for entry in found.items])


@bp.get("/lists")
@bp.input(ListQuery, location="query")
@bp.output(ListPage, description="one page of disposal lists, newest first", headers=LINKS)
@bp.doc(summary="Disposal lists (bordereaux d'élimination)", responses=errors(400, 403))
def list_lists(query_data: ListQuery):
    page = Page(query_data.page, query_data.size)
    found = disposal.list_lists(uow(), principal(), query_data.status, page)
    return paged(found, "lists", [ListSummary.of(item) for item in found.items])


@bp.post("/lists")
@bp.input(NewList, location="json")
@bp.output(ListOut, status_code=201, description="the draft list")
@bp.doc(
    summary="Propose a disposal list (archivist, admin)",
    description='Documents must be due, with a rule ending in "destroy" (or "sort", by id: '
    'the archivist decided to destroy them; or "transfer", once the archives accepted them), '
    "not on hold and on no other open list.",
    responses=errors(400, 403, 409, 422),
)
def create_list(json_data: NewList):
    made = disposal.create_list(
        uow(), principal(), json_data.title, json_data.comment, _selection(json_data.selection)
    )
    return ListOut.of(made), 201


@bp.get("/lists/<int:list_id>")
@bp.output(ListOut, description="the list, its documents and their outcome")
@bp.doc(summary="A disposal list", responses=errors(403, 404))
def read_list(list_id: int):
    return ListOut.of(disposal.read_list(uow(), principal(), list_id))


@bp.post("/lists/<int:list_id>/documents")
@bp.input(AddToList, location="json")
@bp.output(ListOut, description="the draft, with the documents added")
@bp.doc(
    summary="Add documents to a draft list (its proposer)",
    responses=errors(400, 403, 404, 409, 422),
)
def add_documents(list_id: int, json_data: AddToList):
    changed = disposal.add_documents(uow(), principal(), list_id, _selection(json_data.selection))
    return ListOut.of(changed)


@bp.delete("/lists/<int:list_id>/documents/<int:document_id>")
@bp.output(ListOut, description="the draft, without the document")
@bp.doc(
    summary="Remove a document from a draft list (its proposer)", responses=errors(403, 404, 409)
)
def remove_document(list_id: int, document_id: int):
    return ListOut.of(disposal.remove_documents(uow(), principal(), list_id, [document_id]))


@bp.post("/lists/<int:list_id>/submit")
@bp.output(ListOut, description="submitted for the visa")
@bp.doc(summary="Submit a draft for its visa (its proposer)", responses=errors(403, 404, 409, 422))
def submit(list_id: int):
    return ListOut.of(disposal.submit_list(uow(), principal(), list_id))


@bp.post("/lists/<int:list_id>/approve")
@bp.input(Decision, location="json")
@bp.output(ListOut, description="approved: its documents are destroyed by a worker")
@bp.doc(
    summary="Give the visa (archives authority; never the list's proposer)",
    responses=errors(400, 403, 404, 409, 422),
)
def approve(list_id: int, json_data: Decision):
    return ListOut.of(disposal.approve_list(uow(), principal(), list_id, json_data.comment))


@bp.post("/lists/<int:list_id>/refuse")
@bp.input(Decision, location="json")
@bp.output(ListOut, description="refused: the documents stay as they are")
@bp.doc(
    summary="Refuse the visa, saying why (archives authority; never the proposer)",
    responses=errors(400, 403, 404, 409, 422),
)
def refuse(list_id: int, json_data: Decision):
    return ListOut.of(disposal.refuse_list(uow(), principal(), list_id, json_data.comment))


_FILE = {"schema": {"type": "string", "format": "binary"}}
_SIGNED = {
    "schema": {
        "type": "object",
        "required": ["certificate", "signature", "public_key"],
        "description": "the certificate, its Ed25519 signature and the public key checking it",
    }
}


@bp.get("/lists/<int:list_id>/certificate")
@bp.input(CertificateQuery, location="query")
@bp.doc(
    summary="The certificate of an executed list (pdf, json, csv)",
    description="The JSON is the original, signed with the audit key; "
    "`ged audit verify --file` checks it offline.",
    responses={
        200: {
            "description": "the certificate",
            "content": {"application/pdf": _FILE, "application/json": _SIGNED, "text/csv": _FILE},
        },
        **errors(400, 403, 404, 409),
    },
)
def certificate(list_id: int, query_data: CertificateQuery):
    stream, name, mime_type = certificates.certificate_file(
        uow(), principal(), list_id, query_data.format
    )
    close_uow()
    response = send_file(stream, mimetype=mime_type, as_attachment=True, download_name=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
