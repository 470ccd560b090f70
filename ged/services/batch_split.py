"""Splitting a batch into documents: the worker's side of ged.services.batches.

``split_batch`` claims the batch (one run at a time, like a bulk job), reads its pages
once and records its segments, then files them one by one: each segment's document is
created in the transaction that marks the segment filed, under the batch's row lock, so
a worker killed anywhere (even by SIGKILL) leaves every segment either filed once or not
at all, and the run that takes the batch up again (``requeue_abandoned_batches``, in the
workers' recovery sweep) files the rest, none twice. Documents are filed with the
submitter's rights as they are when the batch runs, through the same service as an
upload, so each is a normal document: own version, pipeline, ACL and audit.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from ged.access import Principal, may_file_into_unit, principal_for
from ged.audit.chain import record
from ged.config import SeparatorSettings
from ged.errors import GedError, InvalidInput
from ged.models import Batch, BatchSegment, DocumentType, Unit, User
from ged.services.document_fields import clean_tag_names
from ged.services.documents import Metadata, Upload, add_document
from ged.services.job_rows import claim_row, finish_row, release_row, requeue_abandoned_rows
from ged.services.pipeline import Runner
from ged.services.pipeline_steps import UnitsOfWork
from ged.uow import UnitOfWork
from ingest.separators import BatchUnreadable, Detection, cut, page_images, read_page, split_pages

log = logging.getLogger(__name__)

#: pages read between two heartbeats of a batch being looked at
PAGES_PER_BEAT = 10
#: tests stop a split after this segment (then SIGKILL the worker) to prove it resumes
PAUSE_AFTER_SEGMENT = "GEDTEST_SPLIT_PAUSE_AFTER_SEGMENT"


class _BatchCannotRun(Exception):
    """The batch cannot be split (unreadable, or its submitter can no longer file)."""


def detection(settings: SeparatorSettings, max_pixels: int) -> Detection:
    return Detection(
        separator_value=settings.value,
        patch=settings.patch,
        filing_prefix=settings.filing_prefix,
        patterns=settings.patterns,
        dpi=settings.dpi,
        blank_ink=settings.blank_ink,
        max_pixels=max_pixels,
    )


@contextmanager
def local_copy(uow: UnitOfWork, sha256: str) -> Iterator[Path]:
    """The blob as a file of its own (pdfium, qpdf and Pillow read paths; the store may be S3)."""
    with tempfile.TemporaryDirectory(prefix="ged-batch-") as directory:
        path = Path(directory) / "batch"
        with uow.blobs.open(sha256) as source, path.open("wb") as target:
            while chunk := source.read(1024 * 1024):
                target.write(chunk)
        yield path


def split_batch(runner: Runner, batch_id: int) -> None:
    """Split the batch, or go on splitting it from its first segment not filed."""
    units = runner.unit_of_work
    if not claim_row(units, Batch, batch_id, runner.settings.pipeline):
        log.info("batch %s: finished or being split elsewhere", batch_id)
        return
    try:
        with units() as uow:
            batch = uow.session.get_one(Batch, batch_id)
            sha256, mime_type, counted = batch.blob_sha256, batch.mime_type, batch.page_count
            uow.rollback()  # no transaction stays open while the pages are read
            with local_copy(uow, sha256) as path:
                if counted is None:
                    _find_segments(units, batch_id, path, mime_type)
                _file_segments(units, batch_id, path, mime_type)
    except _BatchCannotRun as exc:
        _finish(units, batch_id, reason=str(exc))
        return
    except Exception:
        release_row(units, Batch, batch_id)  # a retry may take it up at once
        raise
    _finish(units, batch_id)


def _find_segments(units: UnitsOfWork, batch_id: int, path: Path, mime_type: str) -> None:
    """Read every page once; record the page count and the segments in one transaction."""
    with units() as uow:
        settings = uow.settings
        drop_blank = bool(uow.session.get_one(Batch, batch_id).options.get("drop_blank"))
    options = detection(settings.separators, settings.ocr.max_image_pixels)
    readings = []
    try:
        for number, image in enumerate(page_images(path, mime_type, options), start=1):
            readings.append(read_page(number, image, options))
            if number % PAGES_PER_BEAT == 0:
                _beat(units, batch_id)
    except BatchUnreadable as exc:
        raise _BatchCannotRun(str(exc)) from None
    segments = split_pages(readings, drop_blank)
    with units() as uow:
        batch = uow.session.get_one(Batch, batch_id, with_for_update=True)
        if batch.page_count is not None:
            return  # another run got there first
        batch.page_count = len(readings)
        for index, segment in enumerate(segments, start=1):
            uow.session.add(
                BatchSegment(
                    batch_id=batch_id,
                    index=index,
                    first_page=segment.first,
                    last_page=segment.last,
                    dropped_pages=list(segment.dropped),
                    barcode=dict(segment.filing),
                )
            )
        batch.heartbeat_at = uow.clock.now()
        uow.commit()
    log.info("batch %s: %d pages, %d segments", batch_id, len(readings), len(segments))


def _file_segments(units: UnitsOfWork, batch_id: int, path: Path, mime_type: str) -> None:
    with units() as uow:
        batch = uow.session.get_one(Batch, batch_id)
        todo = [(s.id, s.index, s.pages) for s in batch.segments if s.document_id is None]
        user_id = batch.submitted_by_id
    for segment_id, index, pages in todo:
        try:
            content = cut(path, mime_type, pages)
        except BatchUnreadable as exc:
            raise _BatchCannotRun(str(exc)) from None
        with units() as uow:
            principal = _principal(uow, user_id)
            batch = uow.session.get_one(
                Batch, batch_id, with_for_update=True, populate_existing=True
            )
            segment = uow.session.get_one(BatchSegment, segment_id, populate_existing=True)
            if segment.document_id is not None:
                continue  # filed by another run meanwhile
            upload = Upload(BytesIO(content), segment_filename(batch, index))
            try:
                file_segment(uow, principal, batch, segment, upload)
            except GedError as exc:
                raise _BatchCannotRun(
                    f"segment {index} (pages {segment.first_page}-{segment.last_page}) could not be filed: {exc}"
                ) from exc
            batch.heartbeat_at = uow.clock.now()
            uow.commit()
        log.info("batch %s: segment %s filed", batch_id, index)
        _pause_for_tests(index)


def _pause_for_tests(index: int) -> None:
    if os.environ.get(PAUSE_AFTER_SEGMENT) == str(index):
        time.sleep(3600)


def _principal(uow: UnitOfWork, user_id: int) -> Principal:
    user = uow.session.get_one(User, user_id)
    if not user.is_active:
        raise _BatchCannotRun(
            f"the account {user.username!r} that submitted this batch has been disabled; "
            "the segments not filed yet were left in the batch"
        )
    return principal_for(user)


def segment_filename(batch: Batch, index: int) -> str:
    stem, dot, suffix = batch.filename.rpartition(".")
    if not dot:
        stem, suffix = batch.filename, "pdf" if batch.mime_type == "application/pdf" else "tif"
    return f"{stem}-{index:03d}.{suffix}"


def file_segment(
    uow: UnitOfWork, principal: Principal, batch: Batch, segment: BatchSegment, upload: Upload
) -> None:
    """Create the segment's document and mark it filed, uncommitted: the batch's defaults,
    with what its barcode says where the submitter may (else the barcode is set aside, in
    ``barcode["ignored"]``, and the document filed with the defaults)."""
    defaults = batch.options.get("metadata", {})
    metadata = Metadata(
        title=_numbered(defaults.get("title"), segment.index),
        document_type=defaults.get("document_type"),
        unit=defaults.get("unit"),
        tags=tuple(defaults.get("tags") or ()),
    )
    barcode = {k: v for k, v in segment.barcode.items() if k != "ignored"}
    problem = _barcode_problem(uow, principal, barcode)
    if problem:
        segment.barcode = {**barcode, "ignored": problem}
    elif barcode:
        metadata = Metadata(
            title=metadata.title,
            document_type=barcode.get("type") or metadata.document_type,
            unit=barcode.get("unit") or metadata.unit,
            tags=tuple(dict.fromkeys([*(metadata.tags or ()), *barcode.get("tags", [])])),
        )
    version = add_document(
        uow, principal, upload, metadata, batch.options.get("group_grants") or None
    )
    if barcode.get("type") and not problem:
        version.document.classification_source = "barcode"
    uow.session.flush()
    segment.document_id = version.document_id
    segment.filed_at = datetime.now(UTC)
    record(
        uow.session,
        principal,
        "batch.segment.file",
        object_type="batch",
        object_id=batch.id,
        details={
            "segment": segment.index,
            "document": version.document_id,
            "pages": [segment.first_page, segment.last_page],
            "dropped_pages": list(segment.dropped_pages),
            "barcode": dict(segment.barcode),
        },
    )


def _numbered(title: str | None, index: int) -> str | None:
    return f"{title} ({index})" if title else None


def _barcode_problem(uow: UnitOfWork, principal: Principal, barcode: dict[str, Any]) -> str | None:
    """Why the barcode's values cannot file the document, or None."""
    session = uow.session
    if (
        barcode.get("type")
        and session.scalar(select(DocumentType.id).where(DocumentType.code == barcode["type"]))
        is None
    ):
        return f"unknown document type {barcode['type']!r}"
    if barcode.get("unit"):
        unit_id = session.scalar(select(Unit.id).where(Unit.name == barcode["unit"]))
        if unit_id is None:
            return f"unknown unit {barcode['unit']!r}"
        if not may_file_into_unit(session, principal, unit_id):
            return f"{principal.username!r} may not file documents into unit {barcode['unit']!r}"
    try:
        clean_tag_names(tuple(barcode.get("tags", ())))
    except InvalidInput as exc:
        return str(exc)
    return None


def _beat(units: UnitsOfWork, batch_id: int) -> None:
    with units() as uow:
        uow.session.execute(
            update(Batch).where(Batch.id == batch_id).values(heartbeat_at=uow.clock.now())
        )
        uow.commit()


def _finish(units: UnitsOfWork, batch_id: int, reason: str | None = None) -> None:
    status = finish_row(units, Batch, batch_id, reason, "error")
    log.info("batch %s: %s%s", batch_id, status, f" ({reason})" if reason else "")


def requeue_abandoned_batches(uow: UnitOfWork) -> list[int]:
    """The recovery sweep's part for batches (see requeue_abandoned_rows)."""
    jobs = uow.jobs
    return requeue_abandoned_rows(
        uow, Batch, jobs.waiting_splits, jobs.enqueue_splits, "abandoned batch split(s)"
    )
