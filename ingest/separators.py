"""Scanned batches split at their separator sheets, as plain functions on plain data.

A mail room scans a stack of letters in one go with a separator sheet between them. A
page is a separator when it carries patch code T (ingest.patch_codes) or a QR code or
Code 128 whose value is the configured separator value; separator pages are dropped.
A filing code (``GED:type=facture;unit=Finances;tags=a,b;ref=2026-123``, or a value one
of the configured patterns matches) on a separator page (a cover sheet printed by
``ged sheets print``) or on the first page of a segment files that segment. Blank pages
(less ink than the threshold) can be dropped too. Nothing here changes the batch: the
result is page ranges of the original, 1-based, with what the codes said.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import numpy as np
import pikepdf
import pypdfium2 as pdfium
import zxingcpp
from PIL import Image, ImageFilter, ImageOps

from ingest.ocr import PageRefused, bomb_reason, open_image, render_pdf_page
from ingest.patch_codes import INK_LEVEL, read_patch_codes

#: the codes a sheet may carry: zxing-cpp reads them turned any way and a little skewed
CODE_FORMATS = zxingcpp.barcode_formats_from_str("QRCode,Code128")
#: what a filing code may set, as its keys say it
FILING_KEYS = ("type", "unit", "tags", "ref")


class BatchUnreadable(Exception):
    """The batch cannot be split; the message says why, for people."""


@dataclass(frozen=True)
class Detection:
    """How separators and filing codes are recognised (the [separators] settings)."""

    separator_value: str = "GED-SEPARATEUR"
    patch: str = "T"
    filing_prefix: str = "GED:"
    #: regular expressions with named groups type, unit, tags, ref
    patterns: tuple[str, ...] = ()
    dpi: int = 150
    #: pages with less ink than this fraction are blank (when blank pages are removed)
    blank_ink: float = 0.002
    max_pixels: int = 100_000_000


@dataclass(frozen=True)
class PageReading:
    """What one page of a batch carries."""

    number: int
    separator: bool
    blank: bool
    filing: dict[str, str | list[str]] = field(default_factory=dict)


@dataclass(frozen=True)
class Segment:
    """Pages ``first``..``last`` of the batch (1-based), less ``dropped`` (blank pages),
    and what a filing code said for it."""

    first: int
    last: int
    dropped: tuple[int, ...] = ()
    filing: dict[str, str | list[str]] = field(default_factory=dict)

    @property
    def pages(self) -> list[int]:
        return [n for n in range(self.first, self.last + 1) if n not in self.dropped]


def page_images(path: Path, mime_type: str, options: Detection) -> Iterator[Image.Image]:
    """The batch's pages as grey images: a PDF rasterised at ``options.dpi``, the frames
    of a (multi-page) TIFF as they are."""
    if mime_type == "application/pdf":
        try:
            document = pdfium.PdfDocument(str(path))
        except pdfium.PdfiumError as exc:
            raise BatchUnreadable(_pdf_problem(exc)) from None
        with_pages(len(document))
        for number, page in enumerate(document, start=1):
            try:
                image = render_pdf_page(page, options.dpi, options.max_pixels)
            except (PageRefused, pdfium.PdfiumError) as exc:
                raise BatchUnreadable(f"page {number} of the batch cannot be read: {exc}") from None
            yield image
        return
    if mime_type != "image/tiff":
        raise BatchUnreadable(f"a batch to split must be a PDF or a TIFF file, not {mime_type}")
    try:
        image = open_image(str(path))
    except OSError as exc:
        raise BatchUnreadable(f"the TIFF file cannot be read ({exc})") from None
    with image:
        with_pages(getattr(image, "n_frames", 1))
        for index in range(getattr(image, "n_frames", 1)):
            image.seek(index)
            if image.width * image.height > options.max_pixels:
                raise BatchUnreadable(bomb_reason(image.width, image.height))
            yield _at_dpi(ImageOps.exif_transpose(image).convert("L"), options.dpi)


def _at_dpi(image: Image.Image, dpi: int) -> Image.Image:
    """A frame scanned finer than ``dpi`` brought down to it (a 600 dpi scan would take
    sixteen times the time to read for nothing); a resolution below 100 is no scanner's
    setting but a placeholder, and the frame is left as it is."""
    found = float((image.info.get("dpi") or (0, 0))[0] or 0)
    if found < 100 or found <= dpi * 1.2:
        return image
    scale = dpi / found
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.BOX)


def check_batch(path: Path, mime_type: str) -> None:
    """Raise BatchUnreadable unless the file is a PDF or TIFF that has pages and opens
    (not encrypted, not damaged): cheap, no page is rendered."""
    if mime_type == "application/pdf":
        try:
            with pikepdf.open(path) as pdf:
                with_pages(len(pdf.pages))
        except pikepdf.PasswordError:
            raise BatchUnreadable(
                "the PDF is encrypted with a password; send an unprotected copy"
            ) from None
        except pikepdf.PdfError as exc:
            raise BatchUnreadable(f"the PDF is damaged and cannot be read ({exc})") from None
        return
    next(iter(page_images(path, mime_type, Detection())), None)


def with_pages(count: int) -> None:
    if count == 0:
        raise BatchUnreadable("the batch has no pages")


def _pdf_problem(exc: pdfium.PdfiumError) -> str:
    if "password" in str(exc).lower():
        return "the PDF is encrypted with a password; send an unprotected copy"
    return f"the PDF is damaged and cannot be read ({exc})"


def read_page(number: int, image: Image.Image, options: Detection) -> PageReading:
    """Separator or not, blank or not, and the filing code of one page."""
    values = [code.text for code in zxingcpp.read_barcodes(image, formats=CODE_FORMATS)]
    filing: dict[str, str | list[str]] = {}
    for value in values:
        filing = filing or parse_filing(value, options)
    separator = options.separator_value in values or options.patch in read_patch_codes(image)
    return PageReading(number, separator, ink_ratio(image) < options.blank_ink, filing)


def ink_ratio(image: Image.Image) -> float:
    """The share of a page's pixels that are ink; the edges (a scanner's shadow) left out."""
    # A median filter first: a scanner's speckles are no ink.
    grey = np.asarray(image.convert("L").filter(ImageFilter.MedianFilter(3)))
    height, width = grey.shape
    margin_y, margin_x = height // 20, width // 20
    inner = grey[margin_y : height - margin_y, margin_x : width - margin_x]
    return float((inner < INK_LEVEL).mean()) if inner.size else 0.0


def parse_filing(value: str, options: Detection) -> dict[str, str | list[str]]:
    """What a code files: ``<prefix>type=facture;unit=Finances;tags=a,b;ref=2026-123``
    (keys in any order, unknown keys ignored), or the named groups of the first configured
    pattern it matches; {} for any other value."""
    found: dict[str, str] = {}
    if options.filing_prefix and value.startswith(options.filing_prefix):
        for part in value.removeprefix(options.filing_prefix).split(";"):
            key, _, text = part.partition("=")
            if key.strip() in FILING_KEYS and text.strip():
                found[key.strip()] = text.strip()
    else:
        for pattern in options.patterns:
            match = re.fullmatch(pattern, value)
            if match:
                found = {k: v.strip() for k, v in match.groupdict().items() if v and v.strip()}
                break
    filing: dict[str, str | list[str]] = dict(found)
    if "tags" in found:
        filing["tags"] = [tag.strip() for tag in found["tags"].split(",") if tag.strip()]
    return filing


def split_pages(readings: Sequence[PageReading], drop_blank: bool) -> list[Segment]:
    """Segments between separator pages: separators dropped, blank pages too when asked;
    a segment left with no page is no segment. A batch with no separator is one segment."""
    segments: list[Segment] = []
    current: list[PageReading] = []
    cover: dict[str, str | list[str]] = {}

    def close() -> None:
        kept = [page for page in current if not (drop_blank and page.blank)]
        if kept:
            dropped = tuple(
                p.number
                for p in current
                if p not in kept and kept[0].number < p.number < kept[-1].number
            )
            segments.append(
                Segment(kept[0].number, kept[-1].number, dropped, cover or kept[0].filing)
            )

    for page in readings:
        if page.separator:
            close()
            current, cover = [], page.filing
        else:
            current.append(page)
    close()
    return segments


def find_segments(
    path: Path, mime_type: str, options: Detection, drop_blank: bool
) -> tuple[int, list[Segment]]:
    """The page count of the batch and its segments."""
    readings = [
        read_page(number, image, options)
        for number, image in enumerate(page_images(path, mime_type, options), start=1)
    ]
    return len(readings), split_pages(readings, drop_blank)


def cut(path: Path, mime_type: str, pages: Sequence[int]) -> bytes:
    """The given pages (1-based) of the batch as a file of its own kind: a PDF cut with
    pikepdf (pages copied as they are, nothing re-encoded), or a multi-page TIFF.
    Raises BatchUnreadable when the pages cannot be copied (a damaged part of the file)."""
    try:
        return _cut(path, mime_type, pages)
    except (pikepdf.PdfError, OSError, ValueError, EOFError) as exc:
        raise BatchUnreadable(
            f"pages {pages[0]}-{pages[-1]} of the batch cannot be copied ({exc})"
        ) from None


def _cut(path: Path, mime_type: str, pages: Sequence[int]) -> bytes:
    if mime_type == "application/pdf":
        with pikepdf.open(path) as source, pikepdf.new() as target:
            for number in pages:
                target.pages.append(source.pages[number - 1])
            buffer = BytesIO()
            # Deterministic bytes: cutting the same pages again gives the same blob.
            target.save(buffer, static_id=True, deterministic_id=False)
            return buffer.getvalue()
    frames = []
    with open_image(str(path)) as image:
        for number in pages:
            image.seek(number - 1)
            frames.append(image.copy())
    buffer = BytesIO()
    frames[0].save(
        buffer,
        format="TIFF",
        save_all=True,
        append_images=frames[1:],
        compression="tiff_deflate",
    )
    return buffer.getvalue()
