"""Text of a document, page by page: a PDF's own text layer where it is usable, OCR elsewhere.

``extract`` is the pipeline step; the pieces it is made of (reading the text
layer, judging it, decoding plain text) are plain functions usable alone.
Bad input never raises: it ends in a status and a reason a person can read.
"""

from __future__ import annotations

import codecs
import re
import tempfile
import unicodedata
from dataclasses import dataclass, replace
from functools import cache, partial
from pathlib import Path

import pytesseract
from pypdf import PageObject, PasswordType, PdfReader

from ingest.detect import SUPPORTED_TYPES
from ingest.ocr import BLANK_PAGE, RENDER_GRACE, count_frames, probe_pdf, read_page
from ingest.pages import (
    Extraction,
    ImageKind,
    OcrOptions,
    OcrResult,
    OcrStats,
    PageImage,
    PageText,
    PdfProbe,
    Stopped,
)
from ingest.processes import CoreSlots, default_processes, host_cores, run_isolated
from ingest.thumbnails import render_isolated

ENCRYPTED = "the PDF is encrypted with a password; send an unprotected copy"
EMPTY = "the file is empty"
LOST = "blank page, or its content was lost with the damaged part of the file"

#: fewer letters than this over a page that images cover is a scan with a stamped header line
SCAN_HEADER_MAX_LETTERS = 200
#: fraction of a page covered by images from which it is taken for a scan
SCANNED_COVERAGE = 0.5
#: a text layer with fewer letters than this says nothing (a page number, a stray mark)
MIN_LETTERS = 3
#: thresholds of text extracted from fonts without a Unicode map, which comes out as junk
MAX_BAD_CHARACTERS = 0.05
MIN_ALPHANUMERIC = 0.5
MAX_SINGLE_CHARACTER_WORDS = 0.5

# Glyph names and CIDs that stand in for characters a font could not map.
_UNMAPPED_GLYPHS = re.compile(r"/(?:g|uni|glyph)[0-9A-Fa-f]+|\(cid:\d+\)")
# The document catalog, root of a PDF's objects: where a reader of a truncated file starts.
_CATALOG = re.compile(rb"(\d+)\s+(\d+)\s+obj\s*<<(?:(?!endobj).){0,1000}?/Type\s*/Catalog\b", re.S)
# Dot leaders of a table of contents, blanks of a form: punctuation, but not junk.
_LEADERS = re.compile(r"([.\-_·…])\1{2,}")


@dataclass(frozen=True)
class _Limits:
    options: OcrOptions
    processes: int
    max_pages: int
    #: the host's cores, shared with its other workers (processes = 0), or None
    cores: CoreSlots | None


class EncryptedPdf(Exception):
    """A PDF that cannot be opened without a password."""


# ---------------------------------------------------------------- judging and decoding text


def letter_count(text: str) -> int:
    return sum(character.isalpha() for character in text)


def is_usable_text(text: str) -> bool:
    """Whether a text layer is worth keeping: some letters, and not the junk of unmapped fonts."""
    text = _LEADERS.sub(" ", _UNMAPPED_GLYPHS.sub("\ufffd", text))
    characters = [character for character in text if not character.isspace()]
    if letter_count(text) < MIN_LETTERS:
        return False
    bad = sum(
        unicodedata.category(character) in ("Cc", "Co", "Cn", "Cs") or character == "\ufffd"
        for character in characters
    )
    alphanumeric = sum(character.isalnum() for character in characters)
    words = text.split()
    # Letters one by one: glyphs without spacing information. Lone digits are list numbers.
    single = sum(len(word) == 1 and word.isalpha() for word in words)
    return (
        bad <= MAX_BAD_CHARACTERS * len(characters)
        and alphanumeric >= MIN_ALPHANUMERIC * len(characters)
        and (len(words) < 5 or single <= MAX_SINGLE_CHARACTER_WORDS * len(words))
    )


def needs_ocr(text: str | None, image_coverage: float) -> bool:
    """Whether a PDF page must be OCR'd, given its text layer (None: unreadable) and its images.

    A short text over a page-sized image is the header a scanner stamps on its scans,
    or the remains of a poor OCR: the image holds the real content.
    """
    if text is None or not is_usable_text(text):
        return True
    return image_coverage >= SCANNED_COVERAGE and letter_count(text) < SCAN_HEADER_MAX_LETTERS


def _may_be_scanned(text: str) -> bool:
    # Only such pages are worth opening with pdfium to measure their images.
    return is_usable_text(text) and letter_count(text) < SCAN_HEADER_MAX_LETTERS


def decode_text(data: bytes) -> str:
    """Plain text in whatever encoding French offices produce: UTF-8 (with or without BOM),
    UTF-16 with BOM, else Windows-1252, else Latin-1 (which decodes any bytes)."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def _clean(text: str) -> str:
    # PostgreSQL refuses NUL in text columns, and some PDFs put them in their text layer.
    return text.replace("\x00", "").strip()


# ---------------------------------------------------------------- the PDF text layer


def read_text_layer(path: Path) -> list[str | None]:
    """Text of each page with pypdf; None for a page it cannot read.

    Raises EncryptedPdf for a PDF that needs a password, and pypdf's errors when the
    file cannot be opened at all.
    """
    reader = PdfReader(path)
    # Many PDFs are encrypted with an empty user password, only to restrict printing: readable.
    if reader.is_encrypted and reader.decrypt("") == PasswordType.NOT_DECRYPTED:
        raise EncryptedPdf(ENCRYPTED)
    return [_page_text(page) for page in reader.pages]


def _page_text(page: PageObject) -> str | None:
    try:
        return page.extract_text()
    except Exception:  # pypdf's errors on damaged content are many and untyped: OCR will tell
        return None


# ---------------------------------------------------------------- the step


def extract(
    path: Path,
    mime_type: str,
    *,
    languages: str = "fra+eng",
    dpi: int = 300,
    processes: int = 0,
    max_pages: int = 500,
    page_timeout: float = 180.0,
    max_image_pixels: int = 200_000_000,
    text_layers: bool = False,
    thumbnail_width: int = 0,
) -> Extraction:
    """The text of the file at ``path``, page by page, OCR'd where needed.

    ``mime_type`` is the type detected from the bytes (ingest.detect). Pages beyond
    ``max_pages`` keep their text layer but are not OCR'd. ``processes`` = 0 uses up to one
    process per core, as many as the host's other workers leave free (ingest.processes.
    CoreSlots). ``text_layers``: tesseract also writes each OCR'd page's invisible
    text layer, in the same run (for ingest.pdfa). ``thumbnail_width``: the first page's
    thumbnail that wide, cut from its OCR raster or, when OCR did not read it, rendered
    small (ingest.thumbnails). Raises only for problems of the machine (tesseract missing, a
    language not installed), never for a bad file.
    """
    if path.stat().st_size == 0:
        return Extraction([], 0, "failed", EMPTY)
    if mime_type not in SUPPORTED_TYPES:
        return Extraction(
            [],
            0,
            "unsupported",
            f"files of type {mime_type} are kept but not read "
            "(read: PDF, TIFF, PNG, JPEG and plain text)",
        )
    if mime_type == "text/plain":
        text = _clean(decode_text(path.read_bytes()))
        return Extraction([PageText(1, "text", None, text)], 1, "done")
    limits = _Limits(
        OcrOptions(languages, dpi, page_timeout, max_image_pixels, text_layers, thumbnail_width),
        processes or default_processes(),
        max_pages,
        None if processes else host_cores(),
    )
    if mime_type == "application/pdf":
        return _extract_pdf(path, limits)
    return _extract_image(path, limits)


def _extract_pdf(path: Path, limits: _Limits) -> Extraction:
    with tempfile.TemporaryDirectory(prefix="ged-pdf-") as scratch:
        try:
            source, texts = _text_layer(path, Path(scratch))
        except EncryptedPdf as error:
            return Extraction([], 0, "failed", str(error))
        probe = _probe(source, texts, limits)
        if isinstance(probe, Stopped):
            if texts is None:
                return Extraction([], 0, "failed", _unreadable_pdf(probe.reason))
            probe = PdfProbe(len(texts), {}, {})  # images unmeasured: trust the text layer
        if texts is None:
            texts = [probe.texts.get(index) for index in range(probe.page_count)]
        if not texts:
            return Extraction([], 0, "failed", "the PDF has no pages")
        to_ocr = [
            index
            for index in range(min(len(texts), limits.max_pages))
            if needs_ocr(texts[index], probe.coverage.get(index, 0.0))
        ]
        results = _ocr(source, "pdf", to_ocr, limits)
        thumbnail = _thumbnail(source, results, limits)
    pages = [
        _page(index + 1, text, results.get(index), limits.max_pages)
        for index, text in enumerate(texts)
    ]
    if source != path:
        pages = [replace(page, note=LOST) if page.note == BLANK_PAGE else page for page in pages]
    return replace(_conclude(pages, results), thumbnail=thumbnail)


def _unreadable_pdf(reason: str) -> str:
    # pdfium opens AES-encrypted PDFs that pypdf cannot without the cryptography package:
    # its refusal may be the first word of a password.
    if "password" in reason.lower():
        return ENCRYPTED
    return f"the PDF is damaged and cannot be read ({reason})"


def _text_layer(path: Path, scratch: Path) -> tuple[Path, list[str | None] | None]:
    """The text layer, and the file to render pages from: the PDF itself or, when pypdf
    cannot open a PDF cut short, a copy with its trailer restored. None when pypdf
    reads neither, for pdfium to try."""
    texts = _text_layer_or_none(path)
    if texts is not None or not _cut_short(path):
        return path, texts
    restored = restore_pdf_end(path.read_bytes())
    if restored is None:
        return path, None
    copy = scratch / "restored.pdf"
    copy.write_bytes(restored)
    return copy, _text_layer_or_none(copy)  # when still None, pdfium repairs more


def _cut_short(path: Path) -> bool:
    # Only then: a trailer added to a whole file would hide what its own says, encryption
    # included, from the readers of the copy.
    with path.open("rb") as file:
        file.seek(max(0, path.stat().st_size - 1024))
        return b"%%EOF" not in file.read()


def _text_layer_or_none(path: Path) -> list[str | None] | None:
    try:
        return read_text_layer(path)
    except EncryptedPdf:
        raise
    except Exception:  # pypdf's errors on damaged files are many and untyped
        return None


def _probe(path: Path, texts: list[str | None] | None, limits: _Limits) -> PdfProbe | Stopped:
    """pdfium's view of the pages that need it: every page when pypdf could not read the
    file, else those whose short text layer may be a scanner's header over a scan."""
    indexes = None
    if texts is not None:
        indexes = [
            index
            for index, text in enumerate(texts[: limits.max_pages])
            if text is not None and _may_be_scanned(text)
        ]
        if not indexes:
            return PdfProbe(len(texts), {}, {})
    return run_isolated(
        [lambda _workdir: probe_pdf(str(path), indexes)],
        processes=1,
        timeout=limits.options.page_timeout,
    )[0]


def restore_pdf_end(data: bytes) -> bytes | None:
    """A damaged PDF given a trailer naming its catalog, from which readers rebuild the rest.

    A transfer cut short loses the trailer, where readers start: with it restored they
    read the pages whose objects arrived. None without a catalog to name.
    """
    catalogs = list(_CATALOG.finditer(data))
    if not catalogs:
        return None
    number, generation = catalogs[-1].groups()
    # startxref 0 points nowhere on purpose: readers then rebuild the cross-reference table.
    trailer = b"\ntrailer\n<< /Root %s %s R >>\nstartxref\n0\n%%%%EOF\n" % (number, generation)
    return data + trailer


def _page(number: int, layer: str | None, ocr: OcrResult | None, max_pages: int) -> PageText:
    usable = layer if layer is not None and is_usable_text(layer) else None
    if ocr is not None and ocr.text and letter_count(ocr.text) >= letter_count(usable or ""):
        return PageText(number, "ocr", ocr.confidence, _clean(ocr.text), word_boxes=ocr.word_boxes)
    if usable is not None:
        # Kept too when OCR read less than it: an invisible text layer OCR cannot see.
        return PageText(number, "text", None, _clean(usable))
    if ocr is not None:
        return PageText(number, "none", None, "", ocr.note)
    return PageText(number, "none", None, "", f"beyond the OCR page limit ({max_pages} pages)")


def _extract_image(path: Path, limits: _Limits) -> Extraction:
    try:
        frames = count_frames(path)
    except Exception as error:  # Pillow's errors on damaged headers are many and untyped
        return Extraction([], 0, "failed", f"the image cannot be read ({error})")
    indexes = list(range(min(frames, limits.max_pages)))
    results = _ocr(path, "image", indexes, limits)
    pages = [
        _page(index + 1, None, results.get(index), limits.max_pages) for index in range(frames)
    ]
    first = results.get(0)
    return replace(_conclude(pages, results), thumbnail=first.thumbnail if first else None)


def _thumbnail(source: Path, results: dict[int, OcrResult], limits: _Limits) -> bytes | None:
    """The first page's thumbnail: from its OCR, else rendered small, in a page process."""
    width = limits.options.thumbnail_width
    if not width:
        return None
    if 0 in results:  # OCR'd: its raster made the thumbnail, unless it could not be loaded
        return results[0].thumbnail
    return render_isolated(source, "pdf", 0, width, limits.options.max_image_pixels)


def _ocr(path: Path, kind: ImageKind, indexes: list[int], limits: _Limits) -> dict[int, OcrResult]:
    if not indexes:
        return {}
    _check_tesseract(limits.options.languages)
    calls = [
        partial(read_page, PageImage(str(path), kind, index), limits.options) for index in indexes
    ]
    outcomes = run_isolated(
        calls,
        processes=min(limits.processes, len(calls)),
        timeout=limits.options.page_timeout + RENDER_GRACE,
        cores=limits.cores,
    )
    return {
        index: OcrResult("", None, f"the page could not be read: {outcome.reason}", failed=True)
        if isinstance(outcome, Stopped)
        else outcome
        for index, outcome in zip(indexes, outcomes, strict=True)
    }


@cache
def _check_tesseract(languages: str) -> None:
    # A machine problem must fail the job (to be retried once fixed), not mark documents
    # failed one page at a time. Also warms pytesseract's version cache before page
    # processes fork, sparing each of them a `tesseract --version` run.
    pytesseract.get_tesseract_version()
    missing = set(languages.split("+")) - set(pytesseract.get_languages())
    if missing:
        raise RuntimeError(f"tesseract has no data for {', '.join(sorted(missing))}; install it")


def _conclude(pages: list[PageText], results: dict[int, OcrResult]) -> Extraction:
    stats = OcrStats(
        pages=sum(result.ocr_ran for result in results.values()),
        tesseract_cpu=sum(result.tesseract_cpu for result in results.values()),
        worker_cpu=sum(result.worker_cpu for result in results.values()),
    )
    # Only where the OCR'd words are the page's text: a PDF's own text layer kept instead
    # (OCR read less) is already in the page, a second one would double the words.
    layers = {
        index: result.text_layer
        for index, result in results.items()
        if result.text_layer is not None and pages[index].source == "ocr"
    }
    failures = [result.note for result in results.values() if result.failed]
    if failures and not any(page.text for page in pages):
        return Extraction(pages, len(pages), "failed", failures[0], stats, layers)
    return Extraction(pages, len(pages), "done", None, stats, layers)
