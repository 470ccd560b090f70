"""Separator pages and filing codes read from page images as a scanner gives them: patch T
measured from its bars (upright, upside down, a quarter turn, skewed), told from other
patch codes and from text; QR codes of the separator value and of filing codes; blank
pages; segments from page readings."""

from __future__ import annotations

import random

import pytest
from PIL import Image, ImageDraw

from ingest.patch_codes import read_patch_codes
from ingest.separators import (
    Detection,
    PageReading,
    ink_ratio,
    parse_filing,
    read_page,
    split_pages,
)
from ingest.sheets import Sheet, sheet_pdf
from tests.ingest.batches import PREFIX, SEPARATOR, blank_page, letter_pages, rasterised, scanned

FEEDS = ["upright", "upside_down", "quarter", "skewed"]


@pytest.mark.parametrize("dpi", [100, 200])
@pytest.mark.parametrize("feed", FEEDS)
def test_patch_t_and_the_separator_code_are_read_however_the_sheet_is_fed(feed, dpi):
    sheet = rasterised(sheet_pdf([Sheet()], SEPARATOR, PREFIX), dpi)[0]
    page = scanned(sheet, feed, random.Random(dpi))
    assert read_patch_codes(page) == ["T"]
    assert read_page(1, page, Detection()).separator


def patch_only(pattern: str, upside_down: bool = False) -> Image.Image:
    """Bars only, no QR code: 0.08 in narrow, 0.20 in wide, at 100 dpi."""
    image = Image.new("L", (827, 1169), 255)
    draw = ImageDraw.Draw(image)
    y = 60
    for letter in pattern:
        thickness = 20 if letter == "W" else 8
        draw.rectangle((260, y, 560, y + thickness - 1), fill=0)
        y += thickness + 8
    return image.rotate(180) if upside_down else image


def test_patch_t_alone_makes_a_separator_and_other_patches_do_not():
    assert read_page(1, patch_only("NWNW"), Detection()).separator
    assert read_patch_codes(patch_only("NWNW", upside_down=True)) == ["T"]
    assert read_patch_codes(patch_only("WNWN")) == ["3"]
    assert not read_page(1, patch_only("WNNW"), Detection()).separator


def test_text_lines_and_rules_are_no_patch_code():
    page = scanned(letter_pages(2, 3, "LETTRE")[1], "upright", random.Random(3))
    image = page.copy()
    ImageDraw.Draw(image).rectangle((100, 1000, 700, 1004), fill=0)  # a rule under a signature
    assert read_patch_codes(image) == []
    assert not read_page(1, image, Detection()).separator


def test_a_cover_sheet_files_with_its_code():
    cover = Sheet(document_type="facture", unit="Finances", tags=("a", "b"), reference="2026-123")
    page = scanned(rasterised(sheet_pdf([cover], SEPARATOR, PREFIX))[0], "skewed", random.Random(1))
    reading = read_page(1, page, Detection())
    assert reading.separator
    assert reading.filing == {
        "type": "facture",
        "unit": "Finances",
        "tags": ["a", "b"],
        "ref": "2026-123",
    }


def test_filing_codes_by_prefix_or_configured_pattern():
    options = Detection(patterns=(r"FAC-(?P<ref>[0-9-]+)",))
    assert parse_filing("GED:unit= Finances ;inconnu=x;tags=", options) == {"unit": "Finances"}
    assert parse_filing("FAC-2026-7", options) == {"ref": "2026-7"}
    assert parse_filing("https://example.org", options) == {}


def test_a_blank_page_has_little_ink_even_with_scanner_noise():
    rng = random.Random(5)
    assert ink_ratio(blank_page(rng)) < Detection().blank_ink
    assert ink_ratio(scanned(letter_pages(1, 5, "X")[0], "upright", rng)) > Detection().blank_ink


def reading(number: int, separator=False, blank=False, **filing) -> PageReading:
    return PageReading(number, separator, blank, filing)


def test_segments_lie_between_separators_and_keep_the_cover_sheets_filing():
    pages = [
        reading(1),
        reading(2, blank=True),
        reading(3, separator=True, type="facture"),
        reading(4, blank=True),
        reading(5),
        reading(6, blank=True),
        reading(7),
        reading(8, separator=True),
        reading(9, separator=True),
        reading(10, unit="Finances"),
    ]
    kept = split_pages(pages, drop_blank=True)
    assert [(s.first, s.last, s.dropped, s.filing) for s in kept] == [
        (1, 1, (), {}),
        (5, 7, (6,), {"type": "facture"}),
        (10, 10, (), {"unit": "Finances"}),
    ]
    assert [(s.first, s.last) for s in split_pages(pages, drop_blank=False)] == [
        (1, 2),
        (4, 7),
        (10, 10),
    ]
    assert [(s.first, s.last) for s in split_pages([reading(1), reading(2)], False)] == [(1, 2)]
