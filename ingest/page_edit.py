"""Pages of PDFs put together again (pikepdf): the pages of one or more PDFs, picked in
a new order, some turned, written as a new PDF; and the OCR word boxes of a page turned
with it, so that its text can follow it without a second OCR.

Pages are copied as they are (content streams, images, fonts untouched): only their
/Rotate changes, so a page's image is the same image, and what was read on it holds.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from ingest.ocr import BOX_DECIMALS
from ingest.pages import WordBox

#: quarter turns clockwise a page may be given
TURNS = (90, 180, 270)


class UnreadablePdf(Exception):
    """pikepdf could not open or write the PDF: damaged, encrypted."""


@dataclass(frozen=True)
class PagePick:
    """One page of the new PDF: the ``source``-th file given (0-based), its page
    ``number`` (1-based), turned ``rotation`` degrees clockwise more than it was."""

    source: int
    number: int
    rotation: int = 0


def producer() -> str:
    """What puts pages together, for a rendition's record."""
    return f"pikepdf {pikepdf.__version__} (pages of PDF/A renditions)"


def count_pages(path: Path) -> int:
    """The number of pages of a PDF; UnreadablePdf when it cannot be opened."""
    try:
        with pikepdf.open(path) as pdf:
            return len(pdf.pages)
    except (pikepdf.PdfError, pikepdf.PasswordError, OSError, ValueError) as exc:
        raise UnreadablePdf(f"the PDF cannot be read ({exc})") from exc


def assemble(sources: Sequence[Path], picks: Sequence[PagePick], target: Path) -> None:
    """Write to ``target`` a PDF of the picked pages, in order. The document-level parts
    of the first source (its information, its XMP metadata and output intents: what makes
    a PDF/A one) are kept, so that a page edit of a PDF/A is still one."""
    try:
        opened = [pikepdf.open(path) for path in sources]
    except (pikepdf.PdfError, pikepdf.PasswordError, OSError, ValueError) as exc:
        raise UnreadablePdf(f"the PDF cannot be read ({exc})") from exc
    try:
        with pikepdf.new() as pdf:
            _keep_document_parts(pdf, opened[0])
            for pick in picks:
                pdf.pages.append(opened[pick.source].pages[pick.number - 1])
                if pick.rotation:
                    pdf.pages[-1].rotate(pick.rotation, relative=True)
            pdf.save(target, deterministic_id=True)
    except (pikepdf.PdfError, ValueError, IndexError) as exc:
        raise UnreadablePdf(f"the PDF cannot be written ({exc})") from exc
    finally:
        for pdf_file in opened:
            pdf_file.close()


def _keep_document_parts(pdf: pikepdf.Pdf, first: pikepdf.Pdf) -> None:
    for key in ("/Metadata", "/OutputIntents", "/Lang", "/MarkInfo"):
        if key in first.Root:
            pdf.Root[key] = _copied(pdf, first, first.Root[key])
    if "/Info" in first.trailer:
        pdf.trailer.Info = _copied(pdf, first, first.trailer.Info)


def _copied(pdf: pikepdf.Pdf, first: pikepdf.Pdf, value: pikepdf.Object) -> pikepdf.Object:
    # pikepdf copies indirect objects only: a direct one is made indirect in the source
    # (opened for reading only, never saved) to be copied with what it refers to.
    if not value.is_indirect:
        value = first.make_indirect(value)
    return pdf.copy_foreign(value)


def turn_boxes(boxes: list[WordBox] | None, rotation: int) -> list[WordBox] | None:
    """Word boxes (fractions of the page from its top left corner) of a page turned
    ``rotation`` degrees clockwise: where the same words are on the turned page."""
    if boxes is None or rotation == 0:
        return boxes
    return [_turn(box, rotation) for box in boxes]


def _turn(box: WordBox, rotation: int) -> WordBox:
    x0, y0, x1, y1 = (float(value) for value in box[:4])
    if rotation == 90:
        turned = (1 - y1, x0, 1 - y0, x1)
    elif rotation == 180:
        turned = (1 - x1, 1 - y1, 1 - x0, 1 - y0)
    else:
        turned = (y0, 1 - x1, y1, 1 - x0)
    return [*(round(value, BOX_DECIMALS) for value in turned), box[4]]
