"""The records lifecycle: retention rules (the tableau de gestion), the dated events
some rules count from, and legal holds (gels) that stop any destruction.

A rule's rows are never changed in what they say: editing a rule supersedes its row
with a new one (``version`` + 1), so a document's due date, a disposal list or a
certificate can always name the exact rule they applied."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Column,
    Date,
    ForeignKey,
    Index,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
    select,
)
from sqlalchemy.orm import Mapped, column_property, mapped_column, relationship

from ged.db import Base
from ged.models.base import one_of, timestamp, utcnow
from ged.models.documents import Document, DocumentType, Unit
from ged.models.users import User

#: what happens once the retention period (DUA) is over: conservation, versement to the
#: archives, élimination, or tri (sorted by an archivist, document by document)
FINAL_ACTIONS = ("keep", "transfer", "destroy", "sort")
#: what the period counts from: the document's own date, its filing in ged, or a dated
#: event recorded on it later ("contract ended", "file closed")
START_EVENTS = ("document_date", "created", "event")


class RetentionRule(Base):
    """How long one document type (in one unit, or in every unit) is kept, and then what."""

    __tablename__ = "retention_rules"
    __table_args__ = (
        one_of("final_action", FINAL_ACTIONS, "known_final_action"),
        one_of("start_event", START_EVENTS, "known_start_event"),
        Index("ix_retention_rules_type_unit", "document_type_id", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_type_id: Mapped[int] = mapped_column(ForeignKey("document_types.id"))
    #: NULL: the rule of the type in every unit without a rule of its own
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    #: 1 for a new rule, + 1 at each edit (the edited row is superseded, not changed)
    version: Mapped[int] = mapped_column(default=1)
    duration_years: Mapped[int] = mapped_column(default=0)
    duration_months: Mapped[int] = mapped_column(default=0)
    start_event: Mapped[str] = mapped_column(String(20))
    #: the event counted from when start_event is "event", e.g. "contract_ended"
    event_name: Mapped[str | None] = mapped_column(String(64))
    final_action: Mapped[str] = mapped_column(String(10))
    #: the line of the tableau de gestion this rule applies, free text
    reference: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = timestamp(default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: set when an edit replaced this row or the rule was removed; NULL: the rule in force
    superseded_at: Mapped[datetime | None] = timestamp()

    document_type: Mapped[DocumentType] = relationship()
    unit: Mapped[Unit | None] = relationship()
    created_by: Mapped[User | None] = relationship()


class DocumentEvent(Base):
    """A dated event of a document's life that a retention period may count from."""

    __tablename__ = "document_events"
    __table_args__ = (UniqueConstraint("document_id", "name", name="uq_document_events_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    #: e.g. "contract_ended", "file_closed" (a rule's event_name)
    name: Mapped[str] = mapped_column(String(64))
    date: Mapped[date] = mapped_column(Date)
    recorded_at: Mapped[datetime] = timestamp(default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))


legal_hold_documents = Table(
    "legal_hold_documents",
    Base.metadata,
    Column("hold_id", ForeignKey("legal_holds.id"), primary_key=True),
    Column("document_id", ForeignKey("documents.id"), primary_key=True, index=True),
)


class LegalHold(Base):
    """A gel: while it is in force, none of its documents may be deleted, purged, disposed
    of or lose a version, by anyone. It is in force until released or past ``ends_on``."""

    __tablename__ = "legal_holds"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: why (a litigation, an inquiry, a request for access), shown to whoever is refused
    reason: Mapped[str] = mapped_column(Text)
    placed_at: Mapped[datetime] = timestamp(default=utcnow)
    placed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: last day the hold applies; NULL: until released
    ends_on: Mapped[date | None] = mapped_column(Date)
    released_at: Mapped[datetime | None] = timestamp()
    released_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    release_reason: Mapped[str | None] = mapped_column(Text)
    #: how many documents it covers (read with the row)
    document_count: Mapped[int] = column_property(
        select(func.count())
        .where(legal_hold_documents.c.hold_id == id)
        .correlate_except(legal_hold_documents)
        .scalar_subquery()
    )

    placed_by: Mapped[User | None] = relationship(foreign_keys=[placed_by_id])
    released_by: Mapped[User | None] = relationship(foreign_keys=[released_by_id])
    documents: Mapped[list[Document]] = relationship(
        secondary=legal_hold_documents, order_by="Document.id", viewonly=True
    )
