"""JSON shapes of the API (design: fields may be added, never renamed)."""

from __future__ import annotations

from datetime import date
from typing import Any

from ged.models import Document, Version
from ged.timeutil import iso

#: a version still in the pipeline is shown as "processing"
_PUBLIC_STATUS = {"pending": "processing", "processing": "processing"}


def day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def version_status(version: Version) -> str:
    return _PUBLIC_STATUS.get(version.status, version.status)


def version_json(version: Version) -> dict[str, Any]:
    return {
        "number": version.number,
        "sha256": version.blob_sha256,
        "size": version.size,
        "mime_type": version.mime_type,
        "filename": version.filename,
        "comment": version.comment,
        "restored_from": version.restored_from,
        "created_at": iso(version.created_at),
        "created_by": version.created_by.username,
        "status": version_status(version),
        "error": version.error,
        "page_count": version.page_count,
    }


def document_json(document: Document, current: Version) -> dict[str, Any]:
    extracted = document.extracted or {}
    return {
        "id": document.id,
        "title": document.title,
        "document_type": document.document_type.code if document.document_type else None,
        "unit": document.unit.name if document.unit else None,
        "tags": [tag.name for tag in document.tags],
        "document_date": day(document.document_date),
        "status": version_status(current),
        "needs_review": document.needs_review,
        "error": current.error,
        "current_version": document.current_version,
        "created_at": iso(document.created_at),
        "updated_at": iso(document.updated_at),
        "created_by": document.created_by.username,
        "deleted": document.status == "deleted",
        "classification": {
            "document_type": document.document_type.code if document.document_type else None,
            "confidence": document.classification_confidence,
            "source": document.classification_source,
        },
        "metadata": {
            **{key: [] for key in ("dates", "siret", "siren", "iban", "amounts", "references")},
            **extracted,
        },
        "version": version_json(current),
    }


def text_json(version: Version) -> dict[str, Any]:
    return {
        "version": version.number,
        "status": version_status(version),
        "pages": [
            {
                "number": page.number,
                "source": page.source,
                "confidence": page.confidence,
                "text": page.text,
                "note": page.note,
            }
            for page in version.pages
        ],
    }
