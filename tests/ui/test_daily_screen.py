"""An archivist's day on the agents' screen, in a real browser against a running ged
(`ged serve` and `ged worker`, conftest.py): search and see the thumbnails, open a hit at
its page with the word marked on the scan, add a note, find the document by the note's
word, save that search, retype three documents in bulk, delete one and restore it. axe-core
finds no serious or critical violation on any page on the way; a screenshot of each step
goes to var/test/ui-screenshots/ (walk-*.png)."""

from __future__ import annotations

import re
import time
from io import BytesIO

import pytest

from ged.access import command_line
from ged.bootstrap import build
from ged.services.tokens import create_token
from ged.web import create_app
from tests.ui.conftest import SCREENSHOTS, WORD
from tests.ui.pictures import scanned_pdf
from tests.ui.test_browser import log_in, serious_violations

NOTE_WORD = "Lanildutiennes"
#: how long the live worker may take for a step (OCR of the scan, a bulk job, a refresh)
PATIENCE_S = 90


@pytest.fixture(scope="module")
def scan(live_ged, tmp_path_factory) -> int:
    """A scan of two pages beside conftest's four born-digital documents; the searched word
    only on its second page."""
    runtime = build(live_ged.settings)
    with runtime.unit_of_work() as uow:
        token = create_token(uow, command_line(), "agent", "walk test")[1]
    runtime.close()
    app = create_app(live_ged.settings)
    content = scanned_pdf(tmp_path_factory.mktemp("walk"), WORD)
    response = app.test_client().post(
        "/api/v1/documents",
        data={"file": (BytesIO(content), "scan.pdf"), "title": "Registre", "unit": "Urbanisme"},
        headers={"Authorization": f"Bearer {token}"},
        buffered=True,
    )
    assert response.status_code == 202, response.json
    app.extensions["ged"].close()
    return response.json["id"]


def step(page, number: int, name: str) -> None:
    assert serious_violations(page) == [], name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"walk-{number:02d}-{name}.png", full_page=True)


def until(page, url: str, ready, what: str) -> None:
    """Load ``url`` again until ``ready()``: the worker and the index follow each change
    soon after its commit, not at once."""
    deadline = time.monotonic() + PATIENCE_S
    while True:
        page.goto(url)
        if ready():
            return
        assert time.monotonic() < deadline, f"waited {PATIENCE_S} s for {what}"
        page.wait_for_timeout(500)


def test_an_archivists_day_on_the_agents_screen(page, live_ged, scan):
    log_in(page, "archivist")
    page.wait_for_url("**/recherche")

    # 1. Search: five hits, each with its first page's thumbnail.
    hits = page.locator(".hit")
    until(page, f"/recherche?q={WORD}", lambda: hits.count() == 5, "the scan to be indexed")
    page.wait_for_function(
        "() => [...document.querySelectorAll('img.hit-picture')]"
        ".every(i => i.complete && i.naturalWidth > 0)"
    )
    assert page.locator("img.hit-picture").count() == 5
    step(page, 1, "search-thumbnails")

    # 2. The scan's hit opens at page 2, the word marked on the page image.
    page.get_by_role("link", name="Registre", exact=True).click()
    page.wait_for_url(re.compile(rf"/documents/{scan}\?page=2&q={WORD}#visionneuse$"))
    viewer = page.locator("#visionneuse")
    assert viewer.get_by_role("heading", name="Page 2 sur 2").is_visible()
    assert viewer.locator("rect.word-mark").count() >= 1
    step(page, 2, "hit-page")

    # 3. A note on the document.
    page.get_by_label("Ajouter un avis").fill(f"Avis favorable : registre des {NOTE_WORD}")
    page.get_by_role("button", name="Publier l'avis").click()
    assert NOTE_WORD in page.locator("#avis").inner_text()
    step(page, 3, "note")

    # 4. The document found by the note's word.
    found = page.locator(".hit h3")
    until(page, f"/recherche?q=note:{NOTE_WORD}", lambda: found.count() == 1, "the note")
    assert found.inner_text() == "Registre"
    step(page, 4, "found-by-note")

    # 5. That search saved, and listed with its count on the home page.
    page.get_by_text("Enregistrer cette recherche").click()
    page.get_by_label("Nom de la recherche").fill("Registres annotés")
    page.locator("#enregistrer-recherche").get_by_role("button", name="Enregistrer").click()
    page.goto("/recherche")
    saved = page.locator("#recherches-enregistrees")
    assert "Registres annotés" in saved.inner_text() and "(1 document)" in saved.inner_text()
    step(page, 5, "saved-search")

    # 6. Three of the born-digital documents retyped in bulk, with the job's progress.
    page.goto(f"/recherche?q={WORD}")
    titles = [title for title in found.all_inner_texts() if title != "Registre"][:3]
    for title in titles:
        page.get_by_label(f"Sélectionner « {title} »").check()
    page.get_by_label("Action").select_option("set_document_type")
    page.get_by_label("Nouveau type").select_option(label="Délibération")
    page.get_by_role("button", name="Continuer").click()
    assert page.get_by_role("heading", name="Modifier 3 documents ?").is_visible()
    step(page, 6, "bulk-confirm")
    page.get_by_role("button", name="Confirmer").click()
    page.wait_for_url(re.compile(r"/travaux/\d+$"))
    page.locator(".job-status", has_text="Terminée").wait_for(timeout=PATIENCE_S * 1000)
    assert "3 documents modifiés" in page.locator(".job-counts").inner_text()
    step(page, 7, "bulk-done")
    retyped = f"/recherche?q={WORD}&document_type=deliberation"
    until(page, retyped, lambda: sorted(found.all_inner_texts()) == sorted(titles), "retyping")

    # 7. One of them deleted, then restored from the corbeille.
    page.get_by_role("link", name=titles[0], exact=True).click()
    page.get_by_role("link", name="Supprimer ce document…").click()
    step(page, 8, "delete")
    page.get_by_role("button", name="Supprimer le document").click()
    assert "est supprimé" in page.locator(".flashes").inner_text()
    page.goto("/corbeille")
    assert titles[0] in page.locator("main table").inner_text()
    step(page, 9, "corbeille")
    page.get_by_role("button", name=f"Restaurer « {titles[0]} »").click()
    assert "est restauré" in page.locator(".flashes").inner_text()
    until(page, f"/recherche?q={WORD}", lambda: hits.count() == 5, "the restored document")
    step(page, 10, "restored")
