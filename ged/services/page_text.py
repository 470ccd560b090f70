"""The text of a version made by a page edit, carried over from the pages it was made of.

A page turned, moved, extracted or merged keeps its image: what the text layer or OCR
read on it still holds, so the pipeline's extract step copies each page's text, source,
confidence and word boxes (turned with the page) instead of running OCR again. When a
source page has no text stored (its version was not read yet, or failed), the version
is read as any other.

The PDF/A rendition of scanned pages is carried over the same way: the same pages,
turned the same, are taken from the renditions of the versions they come from (their
images under the same text layer), with no OCR and no Ghostscript run.
"""

from __future__ import annotations

import logging
import tempfile
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from ged.config import OcrSettings
from ged.models import Page, PageOrigin
from ged.ports import BlobStore
from ged.services.renditions import PDFA, PDFA_MIME_TYPE, NewRendition, renditions_of
from ingest.page_edit import PagePick, UnreadablePdf, assemble, producer, turn_boxes
from ingest.pages import Extraction, PageText
from ingest.thumbnails import THUMBNAIL_WIDTH, render_isolated

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Carried:
    """What a version made by a page edit takes from the pages it was made of."""

    pages: list[PageText]
    #: the PDF/A renditions of the source versions (blob digests), and the pages picked
    #: from them; None unless every source version has one
    renditions: list[str] | None
    picks: list[PagePick]


def carried_over(session: Session, version_id: int) -> Carried | None:
    """What the version carries over; None when it was not made by a page edit, or when
    an origin's text is not there to copy (it is then read as any version)."""
    origins = _origins(session, version_id)
    pages = _carried_pages(session, origins) if origins else None
    if pages is None:
        return None
    sources = list(dict.fromkeys(origin.source_version_id for origin in origins))
    picks = [
        PagePick(sources.index(origin.source_version_id), origin.source_number, origin.rotation)
        for origin in origins
    ]
    found = {
        rendition.version_id: rendition.blob_sha256
        for rendition in renditions_of(session, [s for s in sources if s is not None])
        if rendition.kind == PDFA
    }
    renditions = [found[s] for s in sources if s in found]
    return Carried(pages, renditions if len(renditions) == len(sources) else None, picks)


def _carried_pages(session: Session, origins: list[PageOrigin]) -> list[PageText] | None:
    """The pages with the text of their origins; None when one is not there to copy."""
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


def carried_extraction(
    options: OcrSettings, blobs: BlobStore, path: Path, carried: Carried
) -> tuple[Extraction, NewRendition | None]:
    """The extraction of a version whose pages were carried over (no OCR ran: only the
    first page's thumbnail is rendered, it may have turned), and its PDF/A rendition
    when its sources had one."""
    thumbnail = render_isolated(path, "pdf", 0, THUMBNAIL_WIDTH, options.max_image_pixels)
    extraction = Extraction(
        pages=carried.pages, page_count=len(carried.pages), status="done", thumbnail=thumbnail
    )
    if not options.pdfa_renditions or carried.renditions is None:
        return extraction, None
    return extraction, _carried_rendition(blobs, carried.renditions, carried.picks)


def _carried_rendition(
    blobs: BlobStore, renditions: list[str], picks: list[PagePick]
) -> NewRendition | None:
    with ExitStack() as stack:
        paths = [stack.enter_context(blobs.local_file(sha256)) for sha256 in renditions]
        target = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "rendition.pdf"
        try:
            assemble(paths, picks, target)
        except UnreadablePdf as exc:
            log.warning("no PDF/A rendition carried over: %s", exc)
            return None
        with target.open("rb") as stream:
            stored = blobs.put(stream)
    return NewRendition(PDFA, stored, PDFA_MIME_TYPE, producer())


def _origins(session: Session, version_id: int) -> list[PageOrigin]:
    query = select(PageOrigin).where(PageOrigin.version_id == version_id)
    return list(session.scalars(query.order_by(PageOrigin.number)))
