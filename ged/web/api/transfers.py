"""/api/v1/transfers: transfers to the archives (versements) as SEDA 2.2 packages."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import send_file

from ged.services import journal_transfer, transfers
from ged.services.paging import Page
from ged.web.api.contract import errors
from ged.web.api.paging import LINKS, paged
from ged.web.api.schemas.transfers import (
    NewJournalTransfer,
    NewTransfer,
    TransferOut,
    TransferPage,
    TransferQuery,
    TransferSummary,
)
from ged.web.context import close_uow, principal, uow

bp = APIBlueprint("transfers", __name__, url_prefix="/api/v1/transfers", tag="Transfers")


@bp.post("")
@bp.input(NewTransfer, location="json")
@bp.output(TransferOut, status_code=202, description="the transfer, its package being built")
@bp.doc(
    summary="Propose a transfer to the archives (archivist, admin)",
    description='Documents must be due under a rule ending in "transfer", not on hold and on '
    "no other open transfer; each refused one is named with the reason. A worker writes the "
    "SEDA 2.2 package; follow its progress with GET /api/v1/transfers/{id}.",
    responses=errors(400, 403, 409, 422),
)
def propose(json_data: NewTransfer):
    request = transfers.TransferRequest(
        title=json_data.title,
        comment=json_data.comment,
        selection=json_data.selection.model_dump(mode="json", exclude_unset=True),
        versions=json_data.versions,
        pdfa=json_data.pdfa,
    )
    return TransferOut.of(transfers.propose_transfer(uow(), principal(), request)), 202


@bp.post("/journal")
@bp.input(NewJournalTransfer, location="json")
@bp.output(TransferOut, status_code=202, description="the transfer, its package being built")
@bp.doc(
    summary="Propose the transfer of one day of the lifecycle journal (archivist, admin)",
    description="The package holds the audit bundle of the events the checkpoints sealed that "
    "UTC day cover (with their signatures, time-stamps and the keys to check them). The day "
    "must be over, sealed, its time-stamps obtained, and on no transfer building, ready or "
    "accepted.",
    responses=errors(400, 403, 409, 422),
)
def propose_journal(json_data: NewJournalTransfer):
    made = journal_transfer.propose_journal_transfer(
        uow(), principal(), json_data.day, json_data.comment
    )
    return TransferOut.of(made), 202


@bp.get("")
@bp.input(TransferQuery, location="query")
@bp.output(TransferPage, description="one page of transfers, newest first", headers=LINKS)
@bp.doc(summary="Transfers to the archives", responses=errors(400, 403))
def list_transfers(query_data: TransferQuery):
    page = Page(query_data.page, query_data.size)
    found = transfers.list_transfers(uow(), principal(), query_data.status, page)
    return paged(found, "transfers", [TransferSummary.of(item) for item in found.items])


@bp.get("/<int:transfer_id>")
@bp.output(TransferOut, description="the transfer, its progress and its documents")
@bp.doc(summary="A transfer", responses=errors(403, 404))
def read_transfer(transfer_id: int):
    return TransferOut.of(transfers.read_transfer(uow(), principal(), transfer_id))


@bp.get("/<int:transfer_id>/package")
@bp.doc(
    summary="The SEDA package (ZIP) of a built transfer",
    description="409 while it is being built; 410 when the build failed (the transfer says "
    "why) or the file is gone.",
    responses={
        200: {
            "description": "the ZIP: manifest.xml and Content/",
            "content": {"application/zip": {"schema": {"type": "string", "format": "binary"}}},
        },
        **errors(403, 404, 409, 410),
    },
)
def package(transfer_id: int):
    path, name = transfers.package_file(uow(), principal(), transfer_id)
    close_uow()
    response = send_file(path, mimetype="application/zip", as_attachment=True, download_name=name)
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
