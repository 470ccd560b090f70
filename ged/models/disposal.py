"""Disposal (élimination): the lists an archivist proposes (bordereaux), the visa the archives
authority gives or refuses, and the tombstone each destroyed document leaves.

A destroyed document keeps its ``documents`` row (status "destroyed", so grants, holds and
audit events still point somewhere) and loses its versions, pages and blobs; its tombstone
says what it was, under which rule, by whose decision, and which digests its bytes had."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ged.db import Base
from ged.models.base import one_of, timestamp, utcnow
from ged.models.transfers import TransferItem
from ged.models.users import User
from ged.timeutil import iso

#: draft (being built) → submitted (waiting for the visa) → approved | refused;
#: approved → executed once every document is destroyed (or skipped) and the certificate made
LIST_STATUSES = ("draft", "submitted", "approved", "refused", "executed")
#: the final actions that have a queue once a document is due
QUEUES = ("destroy", "transfer", "sort")
#: the queues a disposal list takes documents from: "sort" documents only by an
#: archivist's explicit choice (the tri decided to destroy them)
DISPOSABLE_QUEUES = ("destroy", "sort")
#: where a listed document comes from: a disposable queue, or "transferred" (its rule's
#: final action is transfer and the archives accepted it: ged's copy may then go)
ITEM_QUEUES = (*DISPOSABLE_QUEUES, "transferred")
#: what became of a listed document when the list was executed
ITEM_OUTCOMES = ("pending", "destroyed", "skipped")


class DisposalList(Base):
    """A bordereau d'élimination: documents proposed for destruction, and the visa on it."""

    __tablename__ = "disposal_lists"
    __table_args__ = (
        one_of("status", LIST_STATUSES, "known_status"),
        Index("ix_disposal_lists_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    status: Mapped[str] = mapped_column(String(10), default="draft")
    #: the proposer's note to the archives authority
    comment: Mapped[str] = mapped_column(Text, default="")
    proposed_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = timestamp(default=utcnow)
    submitted_at: Mapped[datetime | None] = timestamp()
    #: who gave or refused the visa; never the proposer
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime | None] = timestamp()
    #: the visa's comment (required for a refusal)
    decision_comment: Mapped[str | None] = mapped_column(Text)
    executed_at: Mapped[datetime | None] = timestamp()
    #: the signed certificate, stored as blobs (so fsck checks them and they never change)
    certificate_json_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    certificate_csv_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    certificate_pdf_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))

    proposed_by: Mapped[User] = relationship(foreign_keys=[proposed_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    items: Mapped[list[DisposalItem]] = relationship(
        order_by="DisposalItem.document_id", cascade="all, delete-orphan"
    )


class DisposalItem(Base):
    """One document of a list; its outcome is written in the transaction that destroys it,
    so an execution taken up again after a crash goes on with the documents still pending."""

    __tablename__ = "disposal_list_documents"
    __table_args__ = (
        one_of("outcome", ITEM_OUTCOMES, "known_outcome"),
        one_of("queue", ITEM_QUEUES, "known_queue"),
    )

    list_id: Mapped[int] = mapped_column(ForeignKey("disposal_lists.id"), primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id"), primary_key=True, index=True
    )
    #: the queue it was taken from: "destroy", "sort" (an archivist's choice) or "transferred"
    queue: Mapped[str] = mapped_column(String(12))
    #: the rule row it was due under when listed
    retention_rule_id: Mapped[int] = mapped_column(ForeignKey("retention_rules.id"))
    added_at: Mapped[datetime] = timestamp(default=utcnow)
    outcome: Mapped[str] = mapped_column(String(10), default="pending")
    #: why a document was skipped (on hold, no longer due)
    reason: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = timestamp()


class Tombstone(Base):
    """What a destroyed document was: enough to answer "what was destroyed, when, under
    which rule, by whose decision" and to keep the audit trail meaningful."""

    __tablename__ = "document_tombstones"

    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"), primary_key=True)
    list_id: Mapped[int] = mapped_column(ForeignKey("disposal_lists.id"), index=True)
    title: Mapped[str] = mapped_column(String(500))
    document_type: Mapped[str | None] = mapped_column(String(64))
    unit: Mapped[str | None] = mapped_column(String(200))
    document_date: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = timestamp()
    due_date: Mapped[date | None] = mapped_column(Date)
    retention_rule_id: Mapped[int] = mapped_column(ForeignKey("retention_rules.id"))
    rule_version: Mapped[int]
    rule_reference: Mapped[str] = mapped_column(String(200))
    final_action: Mapped[str] = mapped_column(String(10))
    proposed_by: Mapped[str] = mapped_column(String(150))
    approved_by: Mapped[str] = mapped_column(String(150))
    #: every version: [{"number", "sha256", "size", "mime_type", "filename", "created_at"}]
    versions: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: the digests whose blob row this destruction removed: their files are deleted after
    #: the commit, and again by a rerun if a crash came in between
    forgotten: Mapped[list[str]] = mapped_column(JSON)
    destroyed_at: Mapped[datetime] = timestamp(default=utcnow)

    #: when its rule ended in a transfer: the archives' acceptance that let it be destroyed
    #: (read only: the transfer's rows say it, and outlive the document's)
    transfer_item: Mapped[TransferItem | None] = relationship(
        primaryjoin="and_(Tombstone.document_id == foreign(TransferItem.document_id), "
        "TransferItem.outcome == 'transferred')",
        viewonly=True,
        uselist=False,
    )

    def as_dict(self) -> dict[str, Any]:
        """The tombstone as the API's 410 answer and the certificate show it."""
        return {
            "document_id": self.document_id,
            "title": self.title,
            "document_type": self.document_type,
            "unit": self.unit,
            "document_date": self.document_date.isoformat() if self.document_date else None,
            "created_at": iso(self.created_at),
            "due_date": self.due_date.isoformat() if self.due_date else None,
            "rule": {
                "id": self.retention_rule_id,
                "version": self.rule_version,
                "reference": self.rule_reference,
                "final_action": self.final_action,
            },
            "disposal_list": self.list_id,
            "proposed_by": self.proposed_by,
            "approved_by": self.approved_by,
            "versions": list(self.versions),
            "destroyed_at": iso(self.destroyed_at),
            **self._transfer(),
        }

    def _transfer(self) -> dict[str, Any]:
        return {} if self.transfer_item is None else {"transfer": self.transfer_item.mention()}
