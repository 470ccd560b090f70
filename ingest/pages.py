"""Plain values of text extraction: what the worker stores, and what page processes exchange."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

#: where a page's text comes from: the PDF's own text layer, OCR, or nowhere (blank, unread)
Source = Literal["text", "ocr", "none"]

#: done: read (some pages may carry a note); failed: nothing could be read, see ``error``;
#: unsupported: a format the pipeline does not read, the file is kept as it is
Status = Literal["done", "failed", "unsupported"]


#: a word OCR read and where: [x0, y0, x1, y1, "word"], fractions of the page's width and
#: height from its top left corner (JSON-ready, as Page.word_boxes stores it)
WordBox = list[float | str]


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
    #: the words with their boxes when the text comes from OCR, else None
    word_boxes: list[WordBox] | None = None


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
    #: the invisible text layer (a one-page PDF) of each OCR'd page, by 0-based page index,
    #: when extract() was asked for them
    text_layers: dict[int, bytes] = field(default_factory=dict)
    #: the first page as a small WebP (ingest.thumbnails), when extract() was asked for it
    thumbnail: bytes | None = None

    @property
    def text(self) -> str:
        """The whole document's text, pages separated by form feeds as pdftotext does."""
        return "\f".join(page.text for page in self.pages)


# ---------------------------------------------------------------- between text and page processes


@dataclass(frozen=True)
class OcrOptions:
    languages: str = "fra+eng"
    dpi: int = 300
    #: seconds tesseract may spend on one page, all its runs together
    page_timeout: float = 180.0
    #: images larger than this are refused as decompression bombs; also caps a rendered page
    max_image_pixels: int = 200_000_000
    #: tesseract also writes each page's invisible text layer (for a PDF/A rendition)
    text_layer: bool = False
    #: pixels across the first page's thumbnail, made from its OCR raster; 0 for none
    thumbnail_width: int = 0


#: a PDF, whose pages pdfium rasterises, or an image file, whose frames Pillow reads
ImageKind = Literal["pdf", "image"]


@dataclass(frozen=True)
class PageImage:
    """Where a page process finds its page: a file, and a 0-based page or TIFF frame index."""

    path: str
    kind: ImageKind
    index: int


@dataclass(frozen=True)
class OcrResult:
    text: str
    confidence: float | None
    #: why there is no text ("blank page", "OCR timed out"), for people
    note: str | None = None
    #: the page could not be read (as opposed to read and found blank)
    failed: bool = False
    #: the page went through tesseract
    ocr_ran: bool = False
    tesseract_cpu: float = 0.0
    worker_cpu: float = 0.0
    #: the page's words as an invisible one-page PDF, when OcrOptions.text_layer asked for it
    text_layer: bytes | None = None
    word_boxes: list[WordBox] | None = None
    #: the first page's thumbnail, when OcrOptions.thumbnail_width asked for it
    thumbnail: bytes | None = None


@dataclass(frozen=True)
class PdfProbe:
    """What pdfium sees in a PDF: its pages, how much of each page images cover, its text layer."""

    page_count: int
    coverage: dict[int, float]
    texts: dict[int, str]


@dataclass(frozen=True)
class Stopped:
    """A call whose process did not return a value: it crashed or overran its time."""

    reason: str
