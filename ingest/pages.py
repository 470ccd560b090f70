"""What text extraction returns: plain, immutable values the worker stores as they are."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: where a page's text comes from: the PDF's own text layer, OCR, or nowhere (blank, unread)
Source = Literal["text", "ocr", "none"]

#: done: read (some pages may carry a note); failed: nothing could be read, see ``error``;
#: unsupported: a format the pipeline does not read, the file is kept as it is
Status = Literal["done", "failed", "unsupported"]


@dataclass(frozen=True)
class PageText:
    #: 1-based, as people count pages
    number: int
    source: Source
    #: mean word confidence of tesseract, 0-100; None unless the text comes from OCR
    confidence: float | None
    text: str
    #: why a page has no text or less than one would expect, for people ("blank page")
    note: str | None = None


@dataclass(frozen=True)
class OcrStats:
    """Where the OCR time went, to log it and to check that OCR ran only where it had to."""

    #: pages that went through tesseract
    pages: int = 0
    #: CPU seconds spent in tesseract processes
    tesseract_cpu: float = 0.0
    #: CPU seconds spent by the page processes outside tesseract (rasterising, image preparation)
    worker_cpu: float = 0.0


@dataclass(frozen=True)
class Extraction:
    pages: list[PageText]
    page_count: int
    status: Status
    #: readable reason when status is not "done"
    error: str | None = None
    ocr: OcrStats = field(default_factory=OcrStats)

    @property
    def text(self) -> str:
        """The whole document's text, pages separated by form feeds as pdftotext does."""
        return "\f".join(page.text for page in self.pages)
