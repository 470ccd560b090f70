"""Documents, their immutable versions, and what classifies them (units, types, tags)."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    ForeignKey,
    String,
    Table,
    Text,
    UniqueConstraint,
    event,
    false,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ged.db import Base
from ged.errors import Conflict
from ged.models.base import one_of, timestamp, utcnow
from ged.models.users import User

if TYPE_CHECKING:
    from ged.models.batches import BatchSegment
    from ged.models.lifecycle import RetentionRule

#: "destroyed": disposed of after a visa; only its row and tombstone remain (ged.models.disposal)
DOCUMENT_STATUSES = ("active", "deleted", "destroyed")
#: pipeline state of a version; "done" once stored, read, classified and indexed
UNFINISHED_STATUSES = ("pending", "processing")
#: the pipeline is over for the version, whatever came of it
FINISHED_STATUSES = ("done", "failed", "unsupported")
VERSION_STATUSES = (*UNFINISHED_STATUSES, *FINISHED_STATUSES)
PAGE_SOURCES = ("text", "ocr", "none")

document_tags = Table(
    "document_tags",
    Base.metadata,
    Column("document_id", ForeignKey("documents.id", ondelete="CASCADE"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class Unit(Base):
    """A service or department that owns documents; its ACL grants are inherited by them."""

    __tablename__ = "units"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = timestamp(default=utcnow)


class DocumentType(Base):
    __tablename__ = "document_types"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: stable identifier used by the API and the configuration, e.g. "facture"
    code: Mapped[str] = mapped_column(String(64), unique=True)
    #: label shown to people, e.g. "Facture"
    label: Mapped[str] = mapped_column(String(200))


class Tag(Base):
    __tablename__ = "tags"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)


class Blob(Base):
    """One stored content, known by its SHA-256; several versions may share it."""

    __tablename__ = "blobs"

    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = timestamp(default=utcnow)


class Document(Base):
    __tablename__ = "documents"
    __table_args__ = (one_of("status", DOCUMENT_STATUSES, "known_status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(500))
    #: the title is ged's proposal (from the document's text, or its file name), not yet
    #: confirmed or edited by an agent
    title_proposed: Mapped[bool] = mapped_column(default=False, server_default=false())
    document_type_id: Mapped[int | None] = mapped_column(
        ForeignKey("document_types.id"), index=True
    )
    #: owning unit; its grants apply to the document while inherit_acl is true
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"), index=True)
    #: the date the document itself bears (an arrêté's signature date), not the upload date
    document_date: Mapped[date | None] = mapped_column(Date)
    status: Mapped[str] = mapped_column(String(20), default="active")
    #: number of the version served by default; versions are never renumbered
    current_version: Mapped[int] = mapped_column(default=0)
    #: false: only the document's own grants apply (narrowing the unit's)
    inherit_acl: Mapped[bool] = mapped_column(default=True)
    #: the classification was uncertain and waits for an agent's confirmation
    needs_review: Mapped[bool] = mapped_column(default=False)
    #: "rules", "model" or "manual"; NULL until classified
    classification_source: Mapped[str | None] = mapped_column(String(20))
    classification_confidence: Mapped[float | None]
    #: identifiers, dates and amounts found in the text (see ingest.metadata)
    extracted: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = timestamp(default=utcnow)
    updated_at: Mapped[datetime] = timestamp(default=utcnow, onupdate=utcnow)
    deleted_at: Mapped[datetime | None] = timestamp()
    deleted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    #: 1, 2, … grows with every change of what the API shows of the document (its ETag):
    #: the ORM bumps it on each UPDATE of the row and refuses an UPDATE made from a stale
    #: copy (version_id_col); statements that bypass the ORM bump it themselves
    revision: Mapped[int] = mapped_column(server_default="1")
    #: the retention rule (exact row, see ged.models.lifecycle) that applies; NULL: none does
    retention_rule_id: Mapped[int | None] = mapped_column(ForeignKey("retention_rules.id"))
    #: when that rule's period ends; NULL without a rule or while its start event is unknown
    due_date: Mapped[date | None] = mapped_column(Date, index=True)

    document_type: Mapped[DocumentType | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    retention_rule: Mapped[RetentionRule | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=document_tags, order_by=Tag.name)
    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    versions: Mapped[list[Version]] = relationship(
        back_populates="document", order_by="Version.number"
    )
    #: the segment of a scanned batch it was cut from; None for a single file
    batch_segment: Mapped[BatchSegment | None] = relationship(viewonly=True)

    __mapper_args__ = {"version_id_col": revision}


class Version(Base):
    """An immutable version: its bytes, where they came from, and its pipeline state.

    Only the pipeline columns (status, error, page_count) change after insert."""

    __tablename__ = "versions"
    __table_args__ = (
        UniqueConstraint("document_id", "number", name="uq_versions_document_number"),
        one_of("status", VERSION_STATUSES, "known_status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    #: 1, 2, … dense per document, never reused
    number: Mapped[int]
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    #: detected from the bytes by libmagic, never taken from the name or the client
    mime_type: Mapped[str] = mapped_column(String(200))
    #: original file name, cleaned (no path, no control characters)
    filename: Mapped[str] = mapped_column(String(255))
    comment: Mapped[str] = mapped_column(Text, default="")
    #: the version whose content this one restored, if any
    restored_from: Mapped[int | None]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = timestamp(default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="pending")
    #: readable reason when status is failed or unsupported, or why it is being retried
    error: Mapped[str | None] = mapped_column(Text)
    page_count: Mapped[int | None]
    #: last pipeline step completed (see ged.services.pipeline.STEPS); NULL before the first
    step: Mapped[str | None] = mapped_column(String(20))
    #: runs of the pipeline started for this version (retries and recoveries included)
    attempts: Mapped[int] = mapped_column(default=0, server_default="0")
    #: refreshed while a worker processes the version; a stale value means the worker died
    heartbeat_at: Mapped[datetime | None] = timestamp()
    #: when the search index last received this version; NULL: not indexed
    indexed_at: Mapped[datetime | None] = timestamp()

    document: Mapped[Document] = relationship(back_populates="versions")
    created_by: Mapped[User] = relationship()
    pages: Mapped[list[Page]] = relationship(
        order_by="Page.number", cascade="all, delete-orphan", passive_deletes=True
    )

    @property
    def public_status(self) -> str:
        """The status people see: a version still in the pipeline is "processing"."""
        return "processing" if self.status in UNFINISHED_STATUSES else self.status


class Page(Base):
    """The text of one page of a version, from its text layer or from OCR."""

    __tablename__ = "pages"
    __table_args__ = (
        UniqueConstraint("version_id", "number", name="uq_pages_version_number"),
        one_of("source", PAGE_SOURCES, "known_source"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("versions.id", ondelete="CASCADE"))
    #: 1-based page number
    number: Mapped[int]
    #: "text" (the PDF's text layer), "ocr", or "none" (blank, or beyond the OCR page limit)
    source: Mapped[str] = mapped_column(String(10))
    #: tesseract's mean word confidence, 0-100, for OCR'd pages
    confidence: Mapped[float | None]
    text: Mapped[str] = mapped_column(Text, default="")
    #: why a page has no text, when it has none ("blank page", "beyond the OCR page limit")
    note: Mapped[str | None] = mapped_column(String(200))
    #: the words OCR read on the page with their boxes, as fractions of the page's width
    #: and height: [[x0, y0, x1, y1, "word"], …], to highlight a hit on the page image;
    #: NULL for a text layer or a page read before boxes were kept
    word_boxes: Mapped[list[Any] | None] = mapped_column(JSON)


class ImmutableVersion(Conflict):
    """Raised on any attempt to change what a stored version is."""


#: what a version is; only its pipeline state may change after it is written
IMMUTABLE_VERSION_COLUMNS = frozenset(
    {
        "document_id",
        "number",
        "blob_sha256",
        "size",
        "mime_type",
        "filename",
        "comment",
        "restored_from",
        "created_by_id",
        "created_at",
    }
)


@event.listens_for(Version, "before_update")
def _refuse_version_changes(_mapper, _connection, version: Version) -> None:
    state = inspect(version)
    changed = sorted(
        name for name in IMMUTABLE_VERSION_COLUMNS if state.attrs[name].history.has_changes()
    )
    if changed:
        raise ImmutableVersion(
            f"version {version.number} of document {version.document_id} is immutable "
            f"({', '.join(changed)} cannot change); add a new version instead"
        )
