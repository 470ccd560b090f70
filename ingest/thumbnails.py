"""Small pictures of pages: the thumbnail of a version's first page, and the page images
of the document page's viewer, as WebP.

A scan's thumbnail is cut from the raster its OCR already made (ingest.ocr.read_page
encodes it in the same page process): no second rasterisation. A page OCR did not read
(born-digital PDFs, and documents read before thumbnails existed) is rendered at the
small size asked for only, which pdfium does in milliseconds; like every call that
hands an untrusted file to C code, in a forked child.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path

import pypdfium2 as pdfium
from PIL import Image

from ingest.ocr import PageRefused, encode_picture, render_page
from ingest.pages import ImageKind, Stopped
from ingest.processes import run_isolated

#: pixels across a thumbnail (a hit's picture in the search results) and a page image
#: of the viewer (body text legible on a laptop screen)
THUMBNAIL_WIDTH = 200
PAGE_WIDTH = 1100
MIME_TYPE = "image/webp"
#: seconds a picture may take, decoding included, before its process is killed
RENDER_TIMEOUT = 30.0


def producer() -> str:
    """What makes the pictures, for a rendition's record."""
    return f"pypdfium2 {pdfium.PYPDFIUM_INFO} + Pillow {Image.__version__}"


# A page of text in a standard font, for warm_up_renderer.
_WARM_UP_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 60 30]/Contents 5 0 R"
    b"/Resources<</Font<</F1 4 0 R>>>>>>endobj\n"
    b"4 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"5 0 obj<</Length 31>>stream\nBT /F1 12 Tf 5 10 Td (ged) Tj ET\nendstream endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def warm_up_renderer() -> None:
    """Make one small thumbnail, so that the processes forked from this one inherit what
    the first one costs a process, Pillow's plugins above all: a one-page text PDF's
    thumbnail took 115 ms of CPU in a process forked cold, 21 ms once warmed up."""
    document = pdfium.PdfDocument(_WARM_UP_PDF)
    try:
        encode_picture(document[0].render(scale=1).to_pil(), THUMBNAIL_WIDTH // 4)
    finally:
        document.close()


def render_isolated(
    path: Path, kind: ImageKind, index: int, width: int, max_pixels: int
) -> bytes | None:
    """Page ``index`` (0-based) as WebP ``width`` pixels across, rendered in a forked
    child; None when it cannot be pictured (no such page, damaged, a bomb)."""
    call = partial(_render_or_none, str(path), kind, index, width, max_pixels)
    outcome = run_isolated([lambda _workdir: call()], processes=1, timeout=RENDER_TIMEOUT)[0]
    return None if isinstance(outcome, Stopped) else outcome


def _render_or_none(
    path: str, kind: ImageKind, index: int, width: int, max_pixels: int
) -> bytes | None:
    try:
        return render_page(path, kind, index, width, max_pixels)
    except (PageRefused, OSError, EOFError, ValueError, MemoryError, pdfium.PdfiumError):
        return None
