"""The text of a version made by a page edit, carried over from the pages it was made of.

A page turned, moved, extracted or merged keeps its image: what the text layer or OCR
read on it still holds, so the pipeline's extract step copies each page's text, source,
confidence and word boxes (turned with the page) instead of running OCR again. When a
source page has no text stored (its version was not read yet, or failed), the version
is read as any other.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ged.config import OcrSettings
from ged.models import Page, PageOrigin
from ingest.page_edit import turn_boxes
from ingest.pages import Extraction, PageText
from ingest.thumbnails import THUMBNAIL_WIDTH, render_isolated


def carried_pages(session: Session, version_id: int) -> list[PageText] | None:
    """The pages of the version with the text of their origins; None when the version
    was not made by a page edit, or when an origin's text is not there to copy."""
    origins = list(
        session.scalars(
            select(PageOrigin)
            .where(PageOrigin.version_id == version_id)
            .order_by(PageOrigin.number)
        )
    )
    if not origins:
        return None
    sources = {origin.source_version_id for origin in origins}
    if None in sources:
        return None
    found: dict[tuple[int | None, int], Page] = {
        (page.version_id, page.number): page
        for page in session.scalars(select(Page).where(Page.version_id.in_(sources)))
    }
    pages = []
    for origin in origins:
        page = found.get((origin.source_version_id, origin.source_number))
        if page is None:
            return None
        pages.append(
            PageText(
                number=origin.number,
                source=page.source,  # type: ignore[arg-type]  # a PAGE_SOURCES value
                confidence=page.confidence,
                text=page.text,
                note=page.note,
                word_boxes=turn_boxes(page.word_boxes, origin.rotation),
            )
        )
    return pages


def carried_extraction(options: OcrSettings, path: Path, pages: list[PageText]) -> Extraction:
    """The extraction of a version whose pages were carried over: no OCR ran; only the
    first page's thumbnail is rendered (it may have turned)."""
    thumbnail = render_isolated(path, "pdf", 0, THUMBNAIL_WIDTH, options.max_image_pixels)
    return Extraction(pages=pages, page_count=len(pages), status="done", thumbnail=thumbnail)
