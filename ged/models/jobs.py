"""Bulk jobs: one change applied to many documents by a background worker, with progress."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from ged.db import Base
from ged.models.base import one_of, timestamp, utcnow

JOB_STATUSES = ("queued", "running", "done", "failed")
#: a job in one of these states still has work a worker must do
OPEN_JOB_STATUSES = ("queued", "running")


class BulkJob(Base):
    """One operation (a new type, unit, tags or grants) on a fixed list of documents.

    The list is resolved when the job is started and never changes; ``processed`` is both
    the progress and the position of the next document in it, advanced in the same
    transaction as each document's change, so a job resumed after a crash changes every
    document exactly once."""

    __tablename__ = "bulk_jobs"
    __table_args__ = (
        one_of("status", JOB_STATUSES, "known_status"),
        Index("ix_bulk_jobs_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the operation: set_document_type, set_unit, add_tags, … (ged.services.bulk_operations)
    kind: Mapped[str] = mapped_column(String(32))
    #: the account that started the job; the job runs with its rights as they are at run time
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: its user name, as the audit trail names it
    requested_by: Mapped[str] = mapped_column(String(150))
    created_at: Mapped[datetime] = timestamp(default=utcnow)
    started_at: Mapped[datetime | None] = timestamp()
    finished_at: Mapped[datetime | None] = timestamp()
    status: Mapped[str] = mapped_column(String(10), default="queued")
    #: what was asked, normalised: {"operation": {...}, "selection": {...}}
    request: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: the documents to change, in order (ids selected, or search hits), at most the bound
    document_ids: Mapped[list[int]] = mapped_column(JSON)
    #: hits of a search selection; more than ``total`` when the bound cut the selection
    matched: Mapped[int | None]
    total: Mapped[int] = mapped_column(default=0)
    #: documents done, whatever came of them; the next one to do is document_ids[processed]
    processed: Mapped[int] = mapped_column(default=0)
    #: changed, or already as asked (``unchanged`` counts those, which have no audit event)
    succeeded: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    failed: Mapped[int] = mapped_column(default=0)
    #: the first failures, [{"document_id", "detail"}]; ``failed`` counts them all
    errors: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    #: why the whole job failed (its account was disabled, its operation became invalid)
    reason: Mapped[str | None] = mapped_column(Text)
    #: refreshed with every document; a stale value means the worker running it died
    heartbeat_at: Mapped[datetime | None] = timestamp()

    @property
    def cut(self) -> bool:
        """The search matched more documents than the bound let the job take."""
        return self.matched is not None and self.matched > self.total
