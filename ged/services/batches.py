"""Scanned batches: submitted (upload or watched folder), seen by those who may, re-split.

``submit_batch`` keeps the original file as a blob, checks it can be split (a PDF or
TIFF with pages, not encrypted) and that its submitter may file what it asks, records
``batch.submit`` and queues the split once committed; the split itself is a worker's
(ged.services.batch_split). A batch is seen by whoever submitted it (the uploader, the
station) and by archivists and administrators, nobody else: to them it does not exist.
``resplit_batch`` (an archivist's) cuts corrected page ranges from the original: a
changed segment becomes a new version of its document, an extra range a new document,
all in one audited transaction.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict
from io import BytesIO
from typing import Any

from sqlalchemy import select

from ged.access import Principal, authorize, may, require_filing
from ged.audit.chain import record
from ged.errors import Conflict, InvalidInput, NotFound
from ged.models import Batch, BatchSegment
from ged.services.batch_split import file_segment, local_copy, segment_filename
from ged.services.document_fields import clean_filename, tags_named, type_coded, unit_named
from ged.services.documents import (
    Metadata,
    Upload,
    new_version,
    record_blob,
    store_blob,
    upload_defaults,
)
from ged.uow import UnitOfWork
from ingest.separators import BatchUnreadable, check_batch, cut

SPLITTABLE = ("application/pdf", "image/tiff")


def submit_batch(
    uow: UnitOfWork,
    principal: Principal,
    upload: Upload,
    metadata: Metadata,
    *,
    drop_blank: bool = False,
    folder: str | None = None,
    group_grants: Mapping[str, str] | None = None,
) -> Batch:
    """Keep a batch and queue its split; ``metadata`` are the defaults of its documents."""
    session = uow.session
    filename = clean_filename(upload.filename)
    unit = unit_named(session, metadata.unit)
    require_filing(
        session,
        principal,
        unit.id if unit else None,
        f"unit {unit.name!r}" if unit else "the archive",
    )
    type_coded(session, metadata.document_type)
    tags_named(session, metadata.tags or ())
    blob, mime_type = store_blob(uow, upload.stream)
    if mime_type not in SPLITTABLE:
        raise InvalidInput(
            f"a batch to split must be a PDF or a TIFF file, not {mime_type}", field="file"
        )
    with local_copy(uow, blob.sha256) as path:
        try:
            check_batch(path, mime_type)
        except BatchUnreadable as exc:
            raise InvalidInput(str(exc), field="file") from None
    record_blob(session, blob)
    batch = Batch(
        blob_sha256=blob.sha256,
        size=blob.size,
        mime_type=mime_type,
        filename=filename,
        source="folder" if folder else "upload",
        folder=folder,
        submitted_by_id=principal.user_id,
        options={
            "drop_blank": drop_blank,
            "metadata": _metadata_json(metadata),
            "group_grants": dict(group_grants or {}),
        },
    )
    session.add(batch)
    session.flush()
    record(
        session,
        principal,
        "batch.submit",
        object_type="batch",
        object_id=batch.id,
        details={"filename": filename, "sha256": blob.sha256, "size": blob.size, **batch.options},
    )
    uow.after_commit(lambda: uow.jobs.enqueue_splits([batch.id]))
    uow.commit()
    return batch


def submit_upload(
    uow: UnitOfWork, principal: Principal, upload: Upload, metadata: Metadata, drop_blank: bool
) -> Batch:
    """A batch uploaded from the API or the web UI, with the defaults of any upload."""
    metadata, grants = upload_defaults(uow, metadata)
    return submit_batch(
        uow, principal, upload, metadata, drop_blank=drop_blank, group_grants=grants
    )


def _metadata_json(metadata: Metadata) -> dict[str, Any]:
    values = asdict(metadata)
    values["tags"] = list(metadata.tags or ())
    values["document_date"] = None
    return values


def batch_with_content(uow: UnitOfWork, sha256: str) -> Batch | None:
    """The first batch of these bytes (a scanner dropping the same file twice)."""
    query = select(Batch).where(Batch.blob_sha256 == sha256).order_by(Batch.id).limit(1)
    return uow.session.scalars(query).first()


def read_batch(uow: UnitOfWork, principal: Principal, batch_id: int) -> Batch:
    """The batch for its submitter, an archivist or an administrator. Unaudited: a client
    polls it, and each document it files is audited on its own."""
    authorize(principal, "batch.read")
    batch = uow.session.get(Batch, batch_id)
    if batch is None or (
        batch.submitted_by_id != principal.user_id and not may(principal, "batch.read_any")
    ):
        raise NotFound(f"batch {batch_id} does not exist")
    return batch


def check_ranges(ranges: Sequence[tuple[int, int]], page_count: int) -> list[tuple[int, int]]:
    """The ranges, refused unless each is within the batch and after the one before it."""
    if not ranges:
        raise InvalidInput("give at least one page range", field="segments")
    checked: list[tuple[int, int]] = []
    for first, last in ranges:
        if not 1 <= first <= last <= page_count:
            raise InvalidInput(
                f"pages {first}-{last} are not within the batch's {page_count} pages",
                field="segments",
            )
        if checked and first <= checked[-1][1]:
            raise InvalidInput(
                f"pages {first}-{last} overlap or precede the range before them", field="segments"
            )
        checked.append((first, last))
    return checked


def resplit_batch(
    uow: UnitOfWork, principal: Principal, batch_id: int, segments: Sequence[tuple[int, int]]
) -> Batch:
    """Cut the batch again at the given page ranges (first, last), 1-based, in the order
    of its segments: the n-th range replaces segment n, the ones past the last segment
    become new documents."""
    authorize(principal, "batch.resplit")
    batch = read_batch(uow, principal, batch_id)
    if batch.status != "done" or batch.page_count is None:
        raise Conflict(f"batch {batch_id} is still being split; wait until it is done")
    ranges = check_ranges(segments, batch.page_count)
    if len(ranges) < len(batch.segments):
        raise InvalidInput(
            f"give a range for each of the {len(batch.segments)} segments (merge documents "
            "to join them)",
            field="segments",
        )
    changes = []
    with local_copy(uow, batch.blob_sha256) as path:
        for index, (first, last) in enumerate(ranges, start=1):
            existing = batch.segments[index - 1] if index <= len(batch.segments) else None
            if (
                existing
                and (existing.first_page, existing.last_page) == (first, last)
                and not existing.dropped_pages
            ):
                continue
            try:
                content = cut(path, batch.mime_type, list(range(first, last + 1)))
            except BatchUnreadable as exc:
                raise Conflict(str(exc)) from None
            upload = Upload(BytesIO(content), segment_filename(batch, index))
            comment = f"nouveau découpage du lot {batch.id} : pages {first} à {last}"
            if existing is not None and existing.document_id is not None:
                new_version(uow, principal, existing.document_id, upload, comment)
                existing.first_page, existing.last_page, existing.dropped_pages = first, last, []
            else:
                segment = BatchSegment(
                    batch=batch,
                    index=index,
                    first_page=first,
                    last_page=last,
                    dropped_pages=[],
                    barcode={},
                )
                uow.session.add(segment)
                file_segment(uow, principal, batch, segment, upload)
            changes.append({"segment": index, "first": first, "last": last})
    record(
        uow.session,
        principal,
        "batch.resplit",
        object_type="batch",
        object_id=batch.id,
        details={"changes": changes},
    )
    uow.commit()
    return batch
