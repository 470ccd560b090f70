"""Twenty thumbnailed documents sharing a word, and a cold load of the search page that
shows them: shared by the browser test (tests/ui/test_browser_pictures.py) and the
benchmark of that page's load time (bench/bench_thumbnails.py)."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

from ged.access import command_line
from ged.bootstrap import build
from ged.config import Settings
from ged.services.tokens import create_token
from ged.web import create_app
from tests.ingest.samples import born_digital_pdf, page_lines, save_image_pdf, scan_image
from tests.processes import wait_until

#: the word of these documents (the browser tests' seeded ones do not have it)
WORD = "Plougastelloises"
DOCUMENTS = 20
SEARCH_URL = f"/recherche?q={WORD}"

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
    f"() => [...document.images].length === {DOCUMENTS}"
    " && [...document.images].every(i => i.complete && i.naturalWidth > 0)"
)


def scanned_pdf(directory: Path, word: str = WORD) -> bytes:
    """Two scanned pages; the word only on the second, so its hit is page 2."""
    first = scan_image(page_lines("Registre des délibérations", seed=7)[:12])
    second = scan_image([f"Délibération des {word}", "", *page_lines("Voirie", seed=8)[:8]])
    return save_image_pdf(directory / "scan.pdf", [first, second]).read_bytes()


def upload_pictured(settings: Settings, directory: Path) -> dict[str, int]:
    """Upload the twenty documents with the word (one scan of two pages, the others
    born-digital) as an agent, and wait until a live worker has indexed them all."""
    runtime = build(settings)
    with runtime.unit_of_work() as uow:
        token = create_token(uow, command_line(), "agent", "pictures")[1]
    runtime.close()
    app = create_app(settings)
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


def cold_load(chromium, base_url: str, log_in) -> dict:
    """The search page in a fresh profile (no cached image), every hit in view so that lazy
    loading fetches all twenty thumbnails; its timings, and the page left open."""
    context = chromium.new_context(
        base_url=base_url, locale="fr-FR", viewport={"width": 1280, "height": 5000}
    )
    page = context.new_page()
    log_in(page)
    page.wait_for_url("**/recherche")
    page.request.get(SEARCH_URL)  # the index's first answer to this query is not the page's cost
    page.goto(SEARCH_URL)
    page.wait_for_function(ALL_IMAGES)
    return {"page": page, **page.evaluate(TIMING)}
