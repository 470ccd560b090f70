"""Scanned batches split into documents at their separator sheets, and their segments."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ged.db import Base
from ged.models.base import one_of, timestamp, utcnow
from ged.models.documents import Document
from ged.models.jobs import JOB_STATUSES
from ged.models.users import User

#: where a batch came from
BATCH_SOURCES = ("upload", "folder")


class Batch(Base):
    """One scanned file (PDF or multi-page TIFF) holding several documents. Its bytes are
    kept as they came, content-addressed like a version's, so a wrong split can be cut
    again from the original; its segments, once found, never change but by a re-split."""

    __tablename__ = "batches"
    __table_args__ = (
        one_of("status", JOB_STATUSES, "known_status"),
        one_of("source", BATCH_SOURCES, "known_source"),
        Index("ix_batches_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the original file, as received
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    #: detected from the bytes: application/pdf or image/tiff
    mime_type: Mapped[str] = mapped_column(String(200))
    #: the file name it came with, cleaned
    filename: Mapped[str] = mapped_column(String(255))
    #: pages of the original; NULL until the worker has read it
    page_count: Mapped[int | None]
    #: "upload" (API or web UI) or "folder" (a watched folder's scanner station)
    source: Mapped[str] = mapped_column(String(10))
    #: the watched folder's path, for a batch dropped there
    folder: Mapped[str | None] = mapped_column(String(1000))
    #: the uploader or the station; the documents are filed with its rights
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = timestamp(default=utcnow)
    started_at: Mapped[datetime | None] = timestamp()
    finished_at: Mapped[datetime | None] = timestamp()
    #: queued: waiting for a worker; running: being split; done; failed: see error
    status: Mapped[str] = mapped_column(String(10), default="queued")
    #: readable reason when the batch could not be split
    error: Mapped[str | None] = mapped_column(Text)
    #: how to split and file: {"drop_blank": bool, "metadata": {title, document_type,
    #: unit, tags}, "group_grants": {group: permission}}
    options: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: refreshed with every segment filed; a stale value means the worker splitting it died
    heartbeat_at: Mapped[datetime | None] = timestamp()

    submitted_by: Mapped[User] = relationship()
    segments: Mapped[list[BatchSegment]] = relationship(
        back_populates="batch", order_by="BatchSegment.index"
    )

    @property
    def filed(self) -> int:
        """Segments filed as documents so far (progress: filed / len(segments))."""
        return sum(1 for segment in self.segments if segment.document_id is not None)


class BatchSegment(Base):
    """Pages of a batch that make one document: found at the split (separator sheets
    dropped) or given by a re-split. Filed in the same transaction as its document."""

    __tablename__ = "batch_segments"
    __table_args__ = (UniqueConstraint("batch_id", "index", name="uq_batch_segments_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    #: 1, 2, … in the order of the batch
    index: Mapped[int]
    #: first and last pages of the original (1-based, inclusive)
    first_page: Mapped[int]
    last_page: Mapped[int]
    #: pages between first and last left out (blank pages removed), 1-based
    dropped_pages: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: what a filing barcode said: {"type", "unit", "tags", "ref"} (any of them); {} if none
    barcode: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the document it became; NULL until filed
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id"), index=True)
    filed_at: Mapped[datetime | None] = timestamp()

    batch: Mapped[Batch] = relationship(back_populates="segments")
    document: Mapped[Document | None] = relationship()

    @property
    def pages(self) -> list[int]:
        dropped = set(self.dropped_pages)
        return [n for n in range(self.first_page, self.last_page + 1) if n not in dropped]
