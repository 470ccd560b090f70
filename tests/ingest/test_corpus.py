"""Every file of the shared corpus of awkward real-world files goes through detection and
extraction, and ends in a readable state within bounded time.

Every file means every file: README, LICENSE, JSON, hOCR and ground-truth .txt files
included. They are not documents to the corpus' authors, but a GED receives such files
too, and they cost nothing: they end as plain text or unsupported without OCR.

To keep the file's total near a minute on two cores, pages are rasterised at 200 dpi
rather than 300 and at most two pages of a file are OCR'd; a page gets 40 s: the
heaviest page (ocrmypdf/poster.pdf) takes 15 s alone and passed 20 s when the machine
was shared, which is a slow machine, not a broken file.
"""

from __future__ import annotations

import time
from functools import cache
from pathlib import Path

import pytest

from ingest.detect import HEAD_SIZE, detect_mime
from ingest.pages import Extraction
from ingest.text import EMPTY, ENCRYPTED, extract
from tests.corpus import CORPUS

# Real OCR: tesseract runs on every page here, which takes its time.
pytestmark = pytest.mark.services

FILES = sorted(path for path in CORPUS.rglob("*") if path.is_file()) if CORPUS.is_dir() else []
LIMITS = {"dpi": 200, "max_pages": 2, "page_timeout": 40.0}
#: seconds a file may take: two pages of 40 s each, and rasterising
TIME_LIMIT = 100.0

DAMAGED = "the PDF is damaged and cannot be read"
BOMB = "image of 35000×35000 pixels exceeds the limit (decompression bomb?)"

#: files that must not end "done", and the start of their reason
NOT_DONE = {
    "ocrmypdf/hugemono.pdf": ("failed", BOMB),
    "ocrmypdf/invalid.pdf": ("failed", DAMAGED),  # a header and %%EOF, nothing between
    "py-pdf-sample-files/005-libreoffice-writer-password/libreoffice-writer-password.pdf": (
        "failed",
        ENCRYPTED,
    ),
    # Its only cross-reference table is mangled and its page tree points at a missing object.
    "py-pdf-sample-files/017-unreadable-meta-data/unreadablemetadata.pdf": ("failed", DAMAGED),
    "ocrmypdf/LICENSES-dep5.txt": ("failed", EMPTY),  # zero bytes in this copy of the corpus
    "ocrmypdf/tagged.odt": ("unsupported", "files of type application/vnd.oasis"),
    "py-pdf-sample-files/015-arabic/habibi.html": ("unsupported", "files of type text/html"),
    "py-pdf-sample-files/files.json": ("unsupported", "files of type application/json"),
    **{
        f"ocrmypdf/{name}.hocr": ("unsupported", "files of type text/xml")
        for name in ("arabic", "cjk", "devanagari", "hello_world_scripts", "latin", "multilingual")
    },
}

#: born-digital PDFs: read from their text layer, never OCR'd
BORN_DIGITAL = [
    "py-pdf-sample-files/001-trivial/minimal-document.pdf",
    "py-pdf-sample-files/004-pdflatex-4-pages/pdflatex-4-pages.pdf",
    "py-pdf-sample-files/006-pdflatex-outline/pdflatex-outline.pdf",
    "py-pdf-sample-files/011-google-doc-document/google-doc-document.pdf",
    "py-pdf-sample-files/021-pdfa/crazyones-pdfa.pdf",
    "py-pdf-sample-files/026-latex-multicolumn/multicolumn.pdf",
    "ocrmypdf/tagged.pdf",
]

#: scans, some turned or skewed, and words OCR must find in their first page
SCANNED = {
    "ocrmypdf/francais.pdf": "vieux whisky au juge",
    "ocrmypdf/linn.pdf": "LinnSequencer",
    "ocrmypdf/rotated_skew.pdf": "LinnSequencer",
    "tesseract-test/eurotext.tif": "quick",
    "tesseract-test/phototest.tif": "quick brown dog",
    "tesseract-test/phototest-rotated-180.png": "quick brown dog",
    "tesseract-test/phototest-rotated-L.png": "quick brown dog",
    "tesseract-test/phototest-rotated-R.png": "quick brown dog",
}


def name(path: Path) -> str:
    return path.relative_to(CORPUS).as_posix()


@cache  # the later tests look closer at results the first one already produced
def read(relative: str) -> Extraction:
    path = CORPUS / relative
    with path.open("rb") as file:
        mime_type = detect_mime(file.read(HEAD_SIZE))
    return extract(path, mime_type, **LIMITS)


@pytest.mark.parametrize("path", FILES, ids=name)
def test_every_file_ends_in_a_readable_state_in_bounded_time(path: Path) -> None:
    started = time.monotonic()
    result = read(name(path))
    assert time.monotonic() - started < TIME_LIMIT
    expected_status, reason = NOT_DONE.get(name(path), ("done", None))
    assert result.status == expected_status, result.error
    if reason is None:
        assert result.error is None
    else:
        assert result.error.startswith(reason)
        assert "Traceback" not in result.error and len(result.error) < 300
    assert result.page_count == len(result.pages)
    for page in result.pages:
        assert page.text or page.note, f"page {page.number} has neither text nor a note"
        assert (page.source == "ocr") == (page.confidence is not None)


@pytest.mark.parametrize("relative", BORN_DIGITAL)
def test_born_digital_pdfs_are_never_ocred(relative: str) -> None:
    result = read(relative)
    assert result.ocr.pages == 0
    assert {page.source for page in result.pages[: LIMITS["max_pages"]]} == {"text"}


@pytest.mark.parametrize(("relative", "words"), SCANNED.items())
def test_scans_are_read_whatever_their_orientation(relative: str, words: str) -> None:
    page = read(relative).pages[0]
    assert page.source == "ocr"
    assert words in page.text
