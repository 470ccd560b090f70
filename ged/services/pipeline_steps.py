"""The pipeline's steps: each reads its inputs from the database, hands plain values to
``ingest``, and commits what comes back together with the step's name, so a step that
was committed is never run again and one that was not is run again to the same result.

Long work (reading the file, OCR) runs with no transaction open: a step reads in one
short unit of work and writes in another.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import date
from pathlib import Path

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ged.config import Settings
from ged.models import Document, DocumentType, Page, Version
from ged.services.due_dates import assign_retention
from ged.services.index_sync import put_in_index
from ged.services.page_text import carried_extraction, carried_over
from ged.services.renditions import PDFA, make_pdfa_rendition, save_rendition
from ged.services.revisions import lock_document, touch_document
from ged.services.thumbnails import THUMBNAIL, thumbnail_rendition
from ged.uow import UnitOfWork
from ingest.classify import Model, classify, load_model
from ingest.classify_rules import rules_or_default
from ingest.detect import SUPPORTED_TYPES
from ingest.metadata import extract_metadata
from ingest.pages import Extraction
from ingest.text import extract
from ingest.thumbnails import THUMBNAIL_WIDTH
from ingest.titles import propose_title

UnitsOfWork = Callable[[], UnitOfWork]
#: classification sources the classifier never overrides: a person's, a filing barcode's
DECIDED = ("manual", "barcode")

log = logging.getLogger(__name__)

#: the classifier model of this worker process, reloaded when `ged classifier train` replaces it
_models: dict[Path, tuple[float, Model | None]] = {}


def extract_step(units: UnitsOfWork, version_id: int) -> None:
    """The text of each page, for a scan its PDF/A rendition, made from the same OCR run
    (ged.services.renditions), and the first page's thumbnail, cut from the raster OCR
    read or rendered small (ged.services.thumbnails): all are committed with the step,
    so a resumed run either has them all or makes them all again."""
    with units() as uow:
        version = uow.session.get_one(Version, version_id)
        if version.mime_type not in SUPPORTED_TYPES:
            version.error = f"files of type {version.mime_type} are stored but not read"
            version.step = "extract"
            touch_document(uow.session, version.document_id)
            uow.commit()
            return
        sha256, mime_type, title = version.blob_sha256, version.mime_type, version.document.title
        settings, blobs = uow.settings, uow.blobs
        carried = carried_over(uow.session, version_id)  # a page edit's: no OCR again
    with blobs.local_file(sha256) as path:
        if carried is not None:
            extraction, rendition = carried_extraction(settings.ocr, blobs, path, carried)
        else:
            extraction = _extract(settings, path, mime_type)
            rendition = make_pdfa_rendition(settings.ocr, blobs, path, mime_type, extraction, title)
    log.info(
        "version %s: %d page(s) read, %d through OCR%s",
        version_id,
        extraction.page_count,
        extraction.ocr.pages,
        " (text carried over from the pages it was made of)" if carried is not None else "",
    )
    thumbnail = thumbnail_rendition(blobs, extraction)
    with units() as uow:
        _save_extraction(uow.session, version_id, extraction)
        save_rendition(uow.session, version_id, PDFA, rendition)
        save_rendition(uow.session, version_id, THUMBNAIL, thumbnail)
        uow.commit()


def classify_step(units: UnitsOfWork, version_id: int) -> None:
    with units() as uow:
        settings = uow.settings.classification
        version = uow.session.get_one(Version, version_id)
        # Worked out with no lock held, applied under the document's lock, where a type
        # that a person set meanwhile shows: such a type is never overridden.
        result = None
        if version.document.classification_source not in DECIDED:
            result = classify(
                _text_of(version),
                rules=rules_or_default(settings.rules),
                threshold=settings.threshold,
                model=classifier_model(settings.model_path),
            )
        document = _current_locked(uow.session, version)
        if (
            result is not None
            and document is not None
            and document.classification_source not in DECIDED
        ):
            document.document_type = _type_coded(uow.session, result.document_type)
            document.classification_source = result.source
            document.classification_confidence = result.confidence
            document.needs_review = result.document_type is None
            assign_retention(uow.session, document)
        version.step = "classify"
        uow.commit()


def metadata_step(units: UnitsOfWork, version_id: int) -> None:
    with units() as uow:
        version = uow.session.get_one(Version, version_id)
        text = _text_of(version)
        found = extract_metadata(text)
        document = _current_locked(uow.session, version)
        if document is not None:
            document.extracted = dict(found)
            if document.title_proposed:
                document.title = propose_title(text) or document.title
            guessed = found.get("document_date")
            if document.document_date is None and guessed:
                document.document_date = date.fromisoformat(guessed)
                assign_retention(uow.session, document)
        version.step = "metadata"
        uow.commit()


def index_step(units: UnitsOfWork, version_id: int) -> None:
    """Index the document when this version is its current one; the step and the version's
    indexed time are committed together."""
    with units() as uow:
        version, document = _current(uow.session, version_id)
        if document is not None:
            put_in_index(uow, document)
        version.step = "index"
        uow.commit()


def _extract(settings: Settings, path: Path, mime_type: str) -> Extraction:
    ocr = settings.ocr
    return extract(
        path,
        mime_type,
        languages=ocr.languages,
        dpi=ocr.dpi,
        processes=ocr.processes,
        max_pages=ocr.max_pages,
        page_timeout=ocr.page_timeout,
        max_image_pixels=ocr.max_image_pixels,
        text_layers=ocr.pdfa_renditions,
        thumbnail_width=THUMBNAIL_WIDTH,
    )


def _save_extraction(session: Session, version_id: int, extraction: Extraction) -> None:
    # Replace, never add: a resumed run must end with exactly one set of pages.
    session.execute(delete(Page).where(Page.version_id == version_id))
    session.add_all(
        Page(
            version_id=version_id,
            number=page.number,
            source=page.source,
            confidence=page.confidence,
            text=page.text,
            note=page.note,
            word_boxes=page.word_boxes,
        )
        for page in extraction.pages
    )
    version = session.get_one(Version, version_id)
    version.page_count = extraction.page_count
    version.error = extraction.error if extraction.status != "done" else None
    version.step = "extract"
    touch_document(session, version.document_id)


def classifier_model(path: Path) -> Model | None:
    """The model at ``path``, loaded once per process and again when the file changes.
    Loading costs 1.5 s of CPU (scikit-learn's import, then the pickle): a worker loads
    it before it forks each job (workers.worker), so that no job's child loads it again."""
    mtime = path.stat().st_mtime if path.exists() else 0.0
    cached = _models.get(path)
    if cached is None or cached[0] != mtime:
        _models[path] = (mtime, load_model(path))
    return _models[path][1]


def _current(session: Session, version_id: int) -> tuple[Version, Document | None]:
    """The version, and its document when this version is the current one (an older
    version finishing late must not overwrite what the current one decided)."""
    version = session.get_one(Version, version_id)
    document = version.document
    return version, document if document.current_version == version.number else None


def _current_locked(session: Session, version: Version) -> Document | None:
    """The same for a step that changes the document: locked and read as last committed
    (ged.services.revisions), so that an agent's edit committed meanwhile is kept."""
    document = lock_document(session, version.document_id)
    if document is None or document.current_version != version.number:
        return None
    return document


def _text_of(version: Version) -> str:
    return "\n\n".join(page.text for page in version.pages if page.text)


def _type_coded(session: Session, code: str | None) -> DocumentType | None:
    if code is None:
        return None
    return session.scalars(select(DocumentType).where(DocumentType.code == code)).one_or_none()
