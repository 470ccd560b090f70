"""Disposal: the queues of documents due, lists (bordereaux) and their visa, certificates."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ged.models import DisposalItem, DisposalList
from ged.services.disposal_queues import QueueCount, QueueEntry
from ged.timeutil import iso
from ged.web.api.schemas.common import Day, Input, Output, Paged, PageQuery, Timestamp
from ged.web.api.schemas.jobs import ById, BySearch

ListStatus = Literal["draft", "submitted", "approved", "refused", "executed"]


class FromQueue(Input):
    queue: Literal["destroy", "transferred"] = Field(
        description='every document of the queue ("destroy", or "transferred": the archives '
        "accepted them) not held nor listed elsewhere"
    )


class NewList(Input):
    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [
                {"title": "Factures 2014", "selection": {"ids": [12, 13]}},
                {"title": "Éliminations de mai", "selection": {"queue": "destroy"}},
            ]
        }
    }

    title: str = Field(min_length=1, max_length=200)
    comment: str = Field("", max_length=5000, description="a note to the archives authority")
    selection: ById | FromQueue | BySearch | None = Field(
        None,
        description='documents by id (due, final action "destroy" or "sort", or "transfer" '
        'once the archives accepted them), the whole "destroy" or "transferred" queue, or a '
        'search within the "destroy" queue; none: an empty draft',
    )


class AddToList(Input):
    selection: ById | FromQueue | BySearch


class Decision(Input):
    comment: str = Field("", max_length=5000, description="the visa's comment; required to refuse")


class ListQuery(PageQuery):
    status: ListStatus | None = None


class CertificateQuery(Input):
    format: Literal["pdf", "json", "csv"] = Field(
        "pdf", description="json is the signed original (`ged audit verify --file`)"
    )


class CountOut(Output):
    due: int = Field(description="documents whose retention period is over")
    held: int = Field(description="of which on legal hold: shown, never proposed")


class QueuesOut(Output):
    destroy: CountOut = Field(description="à éliminer")
    transfer: CountOut = Field(description="à verser")
    sort: CountOut = Field(description="à trier")
    transferred: CountOut = Field(
        description="versés: accepted by the archives, ged's copy not yet destroyed"
    )

    @classmethod
    def of(cls, counts: dict[str, QueueCount]) -> QueuesOut:
        return cls(**{name: CountOut(due=c.due, held=c.held) for name, c in counts.items()})


class QueueEntryOut(Output):
    id: int
    title: str
    document_type: str | None
    unit: str | None
    due_date: Day
    rule_id: int
    rule_reference: str
    held: bool
    list_id: int | None = Field(description="the open disposal list it is on")
    rejection: str | None = Field(
        description="why the archives refused it the last time it was transferred"
    )
    archival_identifier: str | None = Field(
        description="the archives' identifier for it, once transferred"
    )

    @classmethod
    def of(cls, entry: QueueEntry) -> QueueEntryOut:
        document = entry.document
        return cls(
            id=document.id,
            title=document.title,
            document_type=document.document_type.code if document.document_type else None,
            unit=document.unit.name if document.unit else None,
            due_date=document.due_date.isoformat() if document.due_date else "",
            rule_id=entry.rule.id,
            rule_reference=entry.rule.reference,
            held=entry.held,
            list_id=entry.list_id,
            rejection=entry.rejection,
            archival_identifier=entry.archival_identifier,
        )


class QueuePage(Paged):
    documents: list[QueueEntryOut]


class ItemOut(Output):
    document_id: int
    queue: Literal["destroy", "sort", "transferred"]
    rule_id: int
    outcome: Literal["pending", "destroyed", "skipped"]
    reason: str | None
    done_at: Timestamp | None

    @classmethod
    def of(cls, item: DisposalItem) -> ItemOut:
        return cls(
            document_id=item.document_id,
            queue=item.queue,  # type: ignore[arg-type]
            rule_id=item.retention_rule_id,
            outcome=item.outcome,  # type: ignore[arg-type]
            reason=item.reason,
            done_at=iso(item.done_at),
        )


class ListOut(Output):
    id: int
    title: str
    status: ListStatus
    comment: str
    proposed_by: str
    created_at: Timestamp
    submitted_at: Timestamp | None
    decided_by: str | None
    decided_at: Timestamp | None
    decision_comment: str | None
    executed_at: Timestamp | None
    documents: list[ItemOut]
    certificate_sha256: str | None = Field(description="of the signed JSON certificate")

    @classmethod
    def of(cls, disposal: DisposalList) -> ListOut:
        return cls(
            id=disposal.id,
            title=disposal.title,
            status=disposal.status,  # type: ignore[arg-type]
            comment=disposal.comment,
            proposed_by=disposal.proposed_by.username,
            created_at=iso(disposal.created_at),
            submitted_at=iso(disposal.submitted_at),
            decided_by=disposal.decided_by.username if disposal.decided_by else None,
            decided_at=iso(disposal.decided_at),
            decision_comment=disposal.decision_comment,
            executed_at=iso(disposal.executed_at),
            documents=[ItemOut.of(item) for item in disposal.items],
            certificate_sha256=disposal.certificate_json_sha256,
        )


class ListSummary(Output):
    id: int
    title: str
    status: ListStatus
    proposed_by: str
    created_at: Timestamp
    documents: int

    @classmethod
    def of(cls, disposal: DisposalList) -> ListSummary:
        return cls(
            id=disposal.id,
            title=disposal.title,
            status=disposal.status,  # type: ignore[arg-type]
            proposed_by=disposal.proposed_by.username,
            created_at=iso(disposal.created_at),
            documents=len(disposal.items),
        )


class ListPage(Paged):
    lists: list[ListSummary]
