"""Thumbnails and word boxes made by text extraction: from the raster OCR reads for a
scan, rendered small for a born-digital PDF, and the words' boxes from the same TSV."""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

from ingest.ocr import words_to_boxes
from ingest.text import extract
from ingest.thumbnails import THUMBNAIL_WIDTH, render_isolated
from tests.ingest import samples


def test_word_boxes_are_fractions_of_the_image_and_skip_what_is_no_word():
    tsv = {
        "text": ["", "Arrêté", "  ", "n°"],
        "conf": ["-1", "91.5", "50", "88"],
        "left": ["0", "100", "0", "400"],
        "top": ["0", "50", "0", "50"],
        "width": ["1000", "200", "10", "50"],
        "height": ["2000", "40", "10", "40"],
    }
    assert words_to_boxes(tsv, 1000, 2000) == [
        [0.1, 0.025, 0.3, 0.045, "Arrêté"],
        [0.4, 0.025, 0.45, 0.045, "n°"],
    ]


def test_a_scan_gets_its_thumbnail_from_the_ocr_raster_and_its_word_boxes(tmp_path: Path):
    image = samples.scan_image(["Délibération Quimperloise", "", "Conseil municipal"], dpi=150)
    pdf = samples.save_image_pdf(tmp_path / "scan.pdf", [image, image])
    extraction = extract(pdf, "application/pdf", dpi=150, thumbnail_width=THUMBNAIL_WIDTH)
    assert extraction.ocr.pages == 2
    thumbnail = Image.open(io.BytesIO(extraction.thumbnail))
    assert thumbnail.format == "WEBP" and thumbnail.width == THUMBNAIL_WIDTH
    words = {box[4]: box[:4] for box in extraction.pages[0].word_boxes}
    x0, y0, x1, y1 = words["Quimperloise"]
    assert x0 < x1 and y0 < y1 and y1 < 0.3  # on the first line, near the top
    assert extraction.pages[1].word_boxes  # every OCR'd page has its own


def test_a_born_digital_pdf_gets_a_rendered_thumbnail_and_no_word_boxes(tmp_path: Path):
    pdf = samples.born_digital_pdf(tmp_path / "arrete.pdf", [samples.page_lines("Arrêté")])
    extraction = extract(pdf, "application/pdf", thumbnail_width=THUMBNAIL_WIDTH)
    assert extraction.ocr.pages == 0
    assert Image.open(io.BytesIO(extraction.thumbnail)).width == THUMBNAIL_WIDTH
    assert extraction.pages[0].word_boxes is None
    assert extract(pdf, "application/pdf").thumbnail is None  # only when asked for


def test_a_page_that_cannot_be_pictured_gives_none(tmp_path: Path):
    pdf = samples.born_digital_pdf(tmp_path / "one.pdf", [["Une page"]])
    assert render_isolated(pdf, "pdf", 3, THUMBNAIL_WIDTH, 200_000_000) is None
    broken = tmp_path / "broken.pdf"
    broken.write_bytes(b"%PDF-1.4 nothing else")
    assert render_isolated(broken, "pdf", 0, THUMBNAIL_WIDTH, 200_000_000) is None
