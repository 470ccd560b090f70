"""Thumbnails in the search results and the page viewer, in a real browser (Chromium)
against a running ged (conftest.py): the results page shows twenty sized thumbnails, and
a hit opens at its page with the searched word marked on the image."""

from __future__ import annotations

import re

import pytest

from tests.ui.conftest import SCREENSHOTS
from tests.ui.pictures import DOCUMENTS, WORD, cold_load, upload_pictured
from tests.ui.test_browser import log_in, serious_violations


@pytest.fixture(scope="module")
def pictured(live_ged, tmp_path_factory) -> dict[str, int]:
    return upload_pictured(live_ged.settings, tmp_path_factory.mktemp("pictures"))


def test_the_search_page_shows_twenty_thumbnails_sized_and_lazily_loaded(
    chromium, live_ged, pictured
):
    # How fast it loads is measured by bench/bench_thumbnails.py, not held to a time here.
    load = cold_load(chromium, live_ged.url, log_in)
    assert load["images"] == DOCUMENTS, load
    page = load["page"]
    try:
        pictures = page.locator("img.hit-picture")
        assert pictures.count() == DOCUMENTS
        first = pictures.first
        # in view at once: fetched at once; further down: when scrolled to
        assert first.get_attribute("loading") == "eager"
        assert pictures.nth(DOCUMENTS - 1).get_attribute("loading") == "lazy"
        assert (first.get_attribute("width"), first.get_attribute("height")) == ("100", "141")
        assert re.fullmatch(r"Première page de « .+ »", first.get_attribute("alt"))
        assert serious_violations(page) == []
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.set_viewport_size({"width": 1280, "height": 900})
        page.screenshot(path=SCREENSHOTS / "search-thumbnails.png")
    finally:
        page.context.close()


def test_a_hit_opens_at_its_page_with_the_word_marked_and_pages_turn_by_keyboard(page, pictured):
    log_in(page)
    page.wait_for_url("**/recherche")
    page.goto(f"/recherche?q={WORD}")
    hit = page.locator(".hit", has=page.get_by_role("link", name="scan", exact=True))
    assert "p. 2" in hit.locator(".snippet").first.inner_text()
    hit.get_by_role("link", name="scan", exact=True).click()
    page.wait_for_url(re.compile(rf"/documents/{pictured['scan']}\?page=2&q={WORD}#visionneuse$"))

    viewer = page.locator("#visionneuse")
    assert viewer.get_by_role("heading", name="Page 2 sur 2").is_visible()
    image = viewer.get_by_role("img", name="Page 2 de « scan »")
    page.wait_for_function(
        "() => { const i = document.querySelector('.page-frame img');"
        " return i.complete && i.naturalWidth > 0; }"
    )
    marks = viewer.locator("rect.word-mark")
    assert marks.count() == 1
    # the mark is drawn over the word, in the upper part of the page image
    box, frame = marks.first.bounding_box(), image.bounding_box()
    assert box["width"] > 20 and box["height"] > 5
    assert frame["y"] <= box["y"] < frame["y"] + frame["height"] / 3
    assert "1 mot de la recherche surligné sur cette page" in viewer.inner_text()
    assert serious_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "page-viewer.png", full_page=True)

    # keyboard: focus the previous page's link, Enter turns to page 1
    previous = viewer.get_by_role("link", name="Page précédente")
    previous.focus()
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"\?page=1&q="))
    assert page.locator("#visionneuse").get_by_role("heading", name="Page 1 sur 2").is_visible()
    assert page.locator("#visionneuse").get_by_role("link", name="Page suivante").is_visible()
