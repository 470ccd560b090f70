"""/api/v1/transfers/{id}/reply: recording the archives' answer to a transfer."""

from __future__ import annotations

from apiflask import APIBlueprint

from ged.services import transfer_replies
from ged.web.api.contract import errors
from ged.web.api.schemas.transfer_replies import ReplyForm, ReplyOut
from ged.web.context import principal, uow

bp = APIBlueprint("transfer_replies", __name__, url_prefix="/api/v1/transfers", tag="Transfers")


@bp.post("/<int:transfer_id>/reply")
@bp.input(ReplyForm, location="files")
@bp.output(ReplyOut, description="the transfer as the archives' answer left it")
@bp.doc(
    summary="Record the archives' reply to a transfer (archivist, admin)",
    description="multipart `file`: the archives' ArchiveTransferReply or Acknowledgement "
    "(SEDA 2.2 XML), validated against the official schema. Its MessageRequestIdentifier "
    "(MessageReceivedIdentifier) must be this transfer's MessageIdentifier. A reply code of "
    "acceptance (OK, WARNING, 000) marks every document transferred with the archives' "
    "identifier for its unit, and they may then be disposed of from the `transferred` "
    "queue; any other code rejects them, back to the `transfer` queue with the reason. "
    "A transfer is answered once: a second reply is a 409.",
    responses=errors(
        400, 403, 404, 409, 413, 415, unprocessable_entity="the file is not a valid SEDA 2.2 reply"
    ),
)
def record_reply(transfer_id: int, files_data: ReplyForm):
    xml = files_data.file.stream.read()
    recorded = transfer_replies.record_reply(uow(), principal(), xml, transfer_id)
    return ReplyOut.of(recorded)
