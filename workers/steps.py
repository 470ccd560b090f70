"""The pipeline's steps. Each takes a version id, does its work from the database and
the blob store, and commits its result together with the step's name (idempotent)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sqlalchemy import delete, select

from ged.models import Document, DocumentType, Page, Version
from ged.storage import make_blob_store
from ingest.classify import Model, classify, load_model
from ingest.classify_rules import rules_or_default
from ingest.detect import SUPPORTED_TYPES
from ingest.metadata import extract_metadata
from ingest.text import extract
from workers import runtime
from workers.search import index_current

#: the classifier model of this worker process, reloaded when `ged classifier train` replaces it
_models: dict[Path, tuple[float, Model | None]] = {}


def _model(path: Path) -> Model | None:
    mtime = path.stat().st_mtime if path.exists() else 0.0
    cached = _models.get(path)
    if cached is None or cached[0] != mtime:
        _models[path] = (mtime, load_model(path))
    return _models[path][1]


def extract_step(version_id: int) -> None:
    settings = runtime.settings()
    with runtime.database() as session:
        version = session.get(Version, version_id)
        if version.mime_type not in SUPPORTED_TYPES:
            version.error = f"files of type {version.mime_type} are stored but not read"
            version.step = "extract"
            session.commit()
            return
        sha256, mime_type = version.blob_sha256, version.mime_type
    ocr = settings.ocr
    with make_blob_store(settings.storage).local_file(sha256) as path:
        extraction = extract(
            path,
            mime_type,
            languages=ocr.languages,
            dpi=ocr.dpi,
            processes=ocr.processes,
            max_pages=ocr.max_pages,
            page_timeout=ocr.page_timeout,
            max_image_pixels=ocr.max_image_pixels,
        )
    with runtime.database() as session:
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
            )
            for page in extraction.pages
        )
        version = session.get(Version, version_id)
        version.page_count = extraction.page_count
        version.error = extraction.error if extraction.status != "done" else None
        version.step = "extract"
        session.commit()


def classify_step(version_id: int) -> None:
    settings = runtime.settings().classification
    with runtime.database() as session:
        version, document = _current(session, version_id)
        if document is not None and document.classification_source != "manual":
            result = classify(
                _text_of(version),
                rules=rules_or_default(settings.rules),
                threshold=settings.threshold,
                model=_model(settings.model_path),
            )
            document.document_type = _type_coded(session, result.document_type)
            document.classification_source = result.source
            document.classification_confidence = result.confidence
            document.needs_review = result.document_type is None
        version.step = "classify"
        session.commit()


def metadata_step(version_id: int) -> None:
    with runtime.database() as session:
        version, document = _current(session, version_id)
        if document is not None:
            found = extract_metadata(_text_of(version))
            document.extracted = found
            if document.document_date is None and found.get("document_date"):
                document.document_date = date.fromisoformat(found["document_date"])
        version.step = "metadata"
        session.commit()


def index_step(version_id: int) -> None:
    with runtime.database() as session:
        version, document = _current(session, version_id)
        document_id = version.document_id
    if document is not None:
        index_current(document_id)
    with runtime.database() as session:
        version = session.get(Version, version_id)
        version.step = "index"
        session.commit()


def _current(session, version_id: int) -> tuple[Version, Document | None]:
    """The version, and its document when this version is the current one (an older
    version finishing late must not overwrite what the current one decided)."""
    version = session.get(Version, version_id)
    document = version.document
    return version, document if document.current_version == version.number else None


def _text_of(version: Version) -> str:
    return "\n\n".join(page.text for page in version.pages if page.text)


def _type_coded(session, code: str | None) -> DocumentType | None:
    if code is None:
        return None
    return session.scalars(select(DocumentType).where(DocumentType.code == code)).one_or_none()
