"""Scanned batches split into documents at their separator sheets, and their re-split."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field

from ged.models import Batch, BatchSegment
from ged.timeutil import iso
from ged.web.api.schemas.common import Input, Output, Timestamp


class SegmentOut(Output):
    index: int
    first_page: int = Field(description="first page of the original batch, 1-based")
    last_page: int
    dropped_pages: list[int] = Field(description="blank pages left out between them")
    barcode: dict[str, Any] = Field(
        description="what a filing barcode said (type, unit, tags, ref; ignored: why not "
        "applied), applied with source barcode"
    )
    document_id: int | None = Field(description="the document it became; null until filed")

    @classmethod
    def of(cls, segment: BatchSegment) -> SegmentOut:
        return cls(
            index=segment.index,
            first_page=segment.first_page,
            last_page=segment.last_page,
            dropped_pages=list(segment.dropped_pages),
            barcode=dict(segment.barcode),
            document_id=segment.document_id,
        )


class Progress(Output):
    filed: int = Field(description="segments filed as documents")
    total: int | None = Field(description="segments found; null until the pages are read")


class BatchOut(Output):
    model_config = Output.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "id": 3,
                    "status": "running",
                    "error": None,
                    "filename": "courrier-2026-12-03.pdf",
                    "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
                    "size": 1843200,
                    "mime_type": "application/pdf",
                    "page_count": 6,
                    "source": "folder",
                    "folder": "/srv/scans/courrier",
                    "submitted_by": "scanner-accueil",
                    "created_at": "2026-12-03T08:15:00Z",
                    "finished_at": None,
                    "drop_blank": False,
                    "progress": {"filed": 1, "total": 2},
                    "segments": [
                        {
                            "index": 1,
                            "first_page": 2,
                            "last_page": 3,
                            "dropped_pages": [],
                            "barcode": {"type": "facture", "unit": "Finances"},
                            "document_id": 41,
                        },
                        {
                            "index": 2,
                            "first_page": 5,
                            "last_page": 6,
                            "dropped_pages": [],
                            "barcode": {},
                            "document_id": None,
                        },
                    ],
                }
            ]
        }
    }

    id: int
    status: Literal["queued", "running", "done", "failed"]
    error: str | None = Field(description="why the batch could not be split")
    filename: str
    sha256: str = Field(description="of the original file, kept as it came")
    size: int
    mime_type: str
    page_count: int | None
    source: Literal["upload", "folder"]
    folder: str | None
    submitted_by: str
    created_at: Timestamp
    finished_at: Timestamp | None
    drop_blank: bool
    progress: Progress
    segments: list[SegmentOut]

    @classmethod
    def of(cls, batch: Batch) -> BatchOut:
        found = batch.page_count is not None
        return cls(
            id=batch.id,
            status=batch.status,  # type: ignore[arg-type]
            error=batch.error,
            filename=batch.filename,
            sha256=batch.blob_sha256,
            size=batch.size,
            mime_type=batch.mime_type,
            page_count=batch.page_count,
            source=batch.source,  # type: ignore[arg-type]
            folder=batch.folder,
            submitted_by=batch.submitted_by.username,
            created_at=iso(batch.created_at),
            finished_at=iso(batch.finished_at),
            drop_blank=bool(batch.options.get("drop_blank")),
            progress=Progress(filed=batch.filed, total=len(batch.segments) if found else None),
            segments=[SegmentOut.of(segment) for segment in batch.segments],
        )


class PageRange(Input):
    first: int = Field(ge=1, le=100_000)
    last: int = Field(ge=1, le=100_000)


class ResplitBody(Input):
    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [{"segments": [{"first": 2, "last": 3}, {"first": 4, "last": 4}]}]
        }
    }

    segments: list[PageRange] = Field(
        min_length=1,
        max_length=10_000,
        description="the page ranges of the original, in order: the n-th replaces segment n "
        "(a new version of its document when it changed), ranges past the last segment "
        "become new documents",
    )
