"""Transfers to the archives (versements): proposals, their build progress, their package."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ged.models import Transfer, TransferItem
from ged.timeutil import iso
from ged.web.api.schemas.common import Day, Input, IsoDate, Output, Paged, PageQuery, Timestamp
from ged.web.api.schemas.jobs import ById, BySearch

TransferStatus = Literal["building", "ready", "failed", "accepted", "rejected"]


class FromTransferQueue(Input):
    queue: Literal["transfer"] = Field(
        description='every document of the "transfer" queue not held nor on another open transfer'
    )


class NewTransfer(Input):
    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [
                {"title": "Délibérations 2004-2010", "selection": {"queue": "transfer"}},
                {"title": "Marchés 2012", "selection": {"ids": [12, 13]}, "versions": "all"},
            ]
        }
    }

    title: str = Field(min_length=1, max_length=200)
    comment: str = Field("", max_length=5000, description="the message's Comment")
    selection: ById | FromTransferQueue | BySearch = Field(
        description='documents by id (due, final action "transfer"), the whole "transfer" '
        "queue, or a search within it"
    )
    versions: Literal["current", "all"] | None = Field(
        None, description="versions carried; default: [archives] versions"
    )
    pdfa: bool | None = Field(
        None, description="carry PDF/A renditions beside the originals; default: [archives] pdfa"
    )


class NewJournalTransfer(Input):
    model_config = Input.model_config | {
        "json_schema_extra": {"examples": [{"day": "2026-12-01", "comment": ""}]}
    }

    day: IsoDate = Field(
        description="the UTC day whose sealed segment of the lifecycle journal is transferred: "
        "a day over, sealed, not already sent"
    )
    comment: str = Field("", max_length=5000, description="the message's Comment")


class TransferQuery(PageQuery):
    status: TransferStatus | None = None


class TransferItemOut(Output):
    document_id: int
    unit_identifier: str = Field(description="its ArchiveUnit id in the manifest")
    rule_id: int
    outcome: Literal["pending", "transferred", "rejected"]
    archival_identifier: str | None = Field(description="the archives' identifier for it")
    reason: str | None
    done_at: Timestamp | None

    @classmethod
    def of(cls, item: TransferItem) -> TransferItemOut:
        return cls(
            document_id=item.document_id,
            unit_identifier=item.unit_identifier,
            rule_id=item.retention_rule_id,
            outcome=item.outcome,  # type: ignore[arg-type]
            archival_identifier=item.archival_identifier,
            reason=item.reason,
            done_at=iso(item.done_at),
        )


class TransferSummary(Output):
    id: int
    kind: Literal["documents", "journal"] = Field(
        description="documents due for transfer, or one day of the lifecycle journal"
    )
    journal_day: Day | None = Field(description="for kind journal: the UTC day it carries")
    message_identifier: str
    title: str
    status: TransferStatus
    created_by: str
    created_at: Timestamp
    progress_done: int = Field(description="files written into the package so far")
    progress_total: int | None = Field(description="files to write; null before the build starts")
    documents: int

    @classmethod
    def fields_of(cls, transfer: Transfer) -> dict:
        return {
            "id": transfer.id,
            "kind": transfer.kind,
            "journal_day": transfer.journal_day.isoformat() if transfer.journal_day else None,
            "message_identifier": transfer.message_identifier,
            "title": transfer.title,
            "status": transfer.status,
            "created_by": transfer.created_by.username,
            "created_at": iso(transfer.created_at),
            "progress_done": transfer.progress_done,
            "progress_total": transfer.progress_total,
            "documents": len(transfer.items),
        }

    @classmethod
    def of(cls, transfer: Transfer) -> TransferSummary:
        return cls(**cls.fields_of(transfer))


class TransferOut(TransferSummary):
    comment: str
    archival_agreement: str
    versions: Literal["current", "all"]
    pdfa: bool
    built_at: Timestamp | None
    error: str | None = Field(description="why the build failed, when it did")
    package_size: int | None
    package_sha256: str | None
    reply_code: str | None
    reply_comment: str | None
    replied_at: Timestamp | None
    items: list[TransferItemOut]

    @classmethod
    def of(cls, transfer: Transfer) -> TransferOut:
        return cls(
            **cls.fields_of(transfer),
            comment=transfer.comment,
            archival_agreement=transfer.archival_agreement,
            versions=transfer.versions,  # type: ignore[arg-type]
            pdfa=transfer.pdfa,
            built_at=iso(transfer.built_at),
            error=transfer.error,
            package_size=transfer.package_size,
            package_sha256=transfer.package_sha256,
            reply_code=transfer.reply_code,
            reply_comment=transfer.reply_comment,
            replied_at=iso(transfer.replied_at),
            items=[TransferItemOut.of(item) for item in transfer.items],
        )


class TransferPage(Paged):
    transfers: list[TransferSummary]
