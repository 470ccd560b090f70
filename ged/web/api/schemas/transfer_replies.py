"""The archives' reply to a transfer: the file sent, and what the transfer became."""

from __future__ import annotations

from typing import Literal

from apiflask.fields import UploadFile
from pydantic import Field

from ged.models import TransferItem
from ged.services.transfer_replies import RecordedReply
from ged.timeutil import iso
from ged.web.api.schemas.common import Input, Output, Timestamp

TransferStatus = Literal["building", "ready", "failed", "accepted", "rejected"]


class ReplyForm(Input):
    """multipart/form-data: the archives' XML message."""

    file: UploadFile = Field(
        description="a SEDA 2.2 ArchiveTransferReply (accepts or rejects the transfer) or "
        "Acknowledgement (the package arrived), validated against the official schema"
    )


class TransferDocumentOut(Output):
    document_id: int
    unit_identifier: str = Field(description="its ArchiveUnit id in the package")
    outcome: Literal["pending", "transferred", "rejected"]
    archival_identifier: str | None = Field(description="the archives' identifier for it")
    reason: str | None = Field(description="why the archives refused it")
    done_at: Timestamp | None

    @classmethod
    def of(cls, item: TransferItem) -> TransferDocumentOut:
        return cls(
            document_id=item.document_id,
            unit_identifier=item.unit_identifier,
            outcome=item.outcome,  # type: ignore[arg-type]
            archival_identifier=item.archival_identifier,
            reason=item.reason,
            done_at=iso(item.done_at),
        )


class ReplyOut(Output):
    id: int = Field(description="the transfer")
    message_identifier: str = Field(description="the transfer's MessageIdentifier")
    status: TransferStatus
    recorded: Literal["reply", "acknowledgement"] = Field(
        description="what the file was: a reply decides the transfer, an acknowledgement "
        "changes nothing"
    )
    sha256: str = Field(description="of the file, kept as sent")
    reply_code: str | None
    reply_comment: str | None = Field(description="the archives' comment, or their reason")
    reply_message_identifier: str | None
    replied_at: Timestamp | None
    documents: list[TransferDocumentOut]

    @classmethod
    def of(cls, recorded: RecordedReply) -> ReplyOut:
        transfer = recorded.transfer
        return cls(
            id=transfer.id,
            message_identifier=transfer.message_identifier,
            status=transfer.status,  # type: ignore[arg-type]
            recorded=recorded.kind,
            sha256=recorded.sha256,
            reply_code=transfer.reply_code,
            reply_comment=transfer.reply_comment,
            reply_message_identifier=transfer.reply_message_identifier,
            replied_at=iso(transfer.replied_at),
            documents=[TransferDocumentOut.of(item) for item in transfer.items],
        )
