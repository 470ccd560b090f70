"""Renditions of versions: the searchable PDF/A-2b of a scan, made by the pipeline's
extract step from the text layer tesseract wrote while it read the pages (ingest.pdfa),
stored content-addressed beside the original, which it never replaces.

A scanned version is an image (PNG, JPEG, TIFF with all its pages) or a PDF some of
whose pages went through OCR; a born-digital PDF has no rendition.
"""

from __future__ import annotations

import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ged.access import Principal
from ged.audit.chain import record
from ged.config import OcrSettings
from ged.db import dialect_insert
from ged.errors import Conflict, NotFound
from ged.models import FINISHED_STATUSES, Blob, Rendition, Version
from ged.ports import BlobStore, StoredBlob
from ged.services.documents import find_version
from ged.uow import UnitOfWork
from ingest.pages import Extraction, ImageKind
from ingest.pdfa import PdfaJob, PdfaNotMade, make_pdfa

log = logging.getLogger(__name__)

PDFA = "pdfa"
PDFA_MIME_TYPE = "application/pdf"
#: seconds the assembly of a rendition may take, per page, beyond a fixed allowance
SECONDS_PER_PAGE = 10.0
BASE_SECONDS = 30.0


@dataclass(frozen=True)
class NewRendition:
    """A rendition stored in the blob store, its row still to be written."""

    kind: str
    blob: StoredBlob
    mime_type: str
    producer: str


def rendition_of(session: Session, version_id: int, kind: str = PDFA) -> Rendition | None:
    """The version's rendition of that kind, if it has one (for the transfer builder)."""
    return session.get(Rendition, (version_id, kind))


def renditions_of(session: Session, version_ids: list[int]) -> list[Rendition]:
    return list(
        session.scalars(
            select(Rendition)
            .where(Rendition.version_id.in_(version_ids))
            .order_by(Rendition.version_id, Rendition.kind)
        )
    )


def read_rendition(
    uow: UnitOfWork,
    principal: Principal,
    document_id: int,
    kind: str,
    number: int | None = None,
) -> tuple[Version, Rendition]:
    """The rendition of a readable version (the current one when ``number`` is None), with
    the version; its download written to the audit trail like the original's."""
    version = find_version(uow, principal, document_id, number)
    rendition = rendition_of(uow.session, version.id, kind)
    if rendition is None:
        if version.status not in FINISHED_STATUSES:
            raise Conflict(
                f"version {version.number} of document {document_id} is still being "
                f"processed; its {kind} rendition, if it gets one, comes when it is done"
            )
        if kind != PDFA:
            raise NotFound(
                f"version {version.number} of document {document_id} has no {kind} "
                "rendition: it could not be made, or the version was read before they were "
                "(`ged thumbnails` makes those missing)"
            )
        raise NotFound(
            f"version {version.number} of document {document_id} has no {kind} rendition: "
            "only scans (images, and PDFs whose pages were OCR'd) get one; "
            "download the original without ?rendition="
        )
    record(
        uow.session,
        principal,
        "document.download",
        object_type="document",
        object_id=document_id,
        details={"version": version.number, "rendition": kind},
    )
    uow.commit()
    return version, rendition


# ---------------------------------------------------------------- made by the pipeline


def scanned(mime_type: str, extraction: Extraction) -> ImageKind | None:
    """The kind of scan a version is, or None when it gets no PDF/A rendition. An image
    gets one even when no page could be read: its pages still show, without text."""
    if mime_type.startswith("image/") and extraction.page_count > 0:
        return "image"
    if mime_type == "application/pdf" and extraction.ocr.pages > 0:
        return "pdf"
    return None


def make_pdfa_rendition(
    settings: OcrSettings,
    blobs: BlobStore,
    path: Path,
    mime_type: str,
    extraction: Extraction,
    title: str,
) -> NewRendition | None:
    """The PDF/A-2b of a scan, stored in the blob store; None for a version that is no
    scan, or when renditions are off. A rendition that cannot be made is logged and
    left out: the version itself is read all the same."""
    kind = scanned(mime_type, extraction)
    if not settings.pdfa_renditions or kind is None:
        return None
    job = PdfaJob(path, kind, extraction.text_layers, title, settings.max_image_pixels)
    with tempfile.TemporaryDirectory(prefix="ged-pdfa-") as scratch:
        output = Path(scratch) / "rendition.pdf"
        try:
            producer = make_pdfa(
                job, output, timeout=BASE_SECONDS + SECONDS_PER_PAGE * extraction.page_count
            )
        except PdfaNotMade as refusal:
            log.warning("%s: no PDF/A rendition: %s", path.name, refusal)
            return None
        with output.open("rb") as stream:
            stored = blobs.put(stream)
    return NewRendition(PDFA, stored, PDFA_MIME_TYPE, producer)


def save_rendition(session: Session, version_id: int, kind: str, new: NewRendition | None) -> None:
    """Replace the version's rendition of that kind (a resumed run ends with one, or none)."""
    session.execute(
        delete(Rendition).where(Rendition.version_id == version_id, Rendition.kind == kind)
    )
    if new is None:
        return
    statement = dialect_insert(session, Blob).values(sha256=new.blob.sha256, size=new.blob.size)
    session.execute(statement.on_conflict_do_nothing(index_elements=["sha256"]))
    session.add(
        Rendition(
            version_id=version_id,
            kind=new.kind,
            blob_sha256=new.blob.sha256,
            size=new.blob.size,
            mime_type=new.mime_type,
            producer=new.producer,
        )
    )


def delete_renditions(session: Session, version_ids: list[int]) -> list[Rendition]:
    """Delete the renditions of these versions (a disposal); those deleted, whose blobs the
    caller forgets unless something else still refers to them."""
    gone = renditions_of(session, version_ids)
    session.execute(delete(Rendition).where(Rendition.version_id.in_(version_ids)))
    return gone
