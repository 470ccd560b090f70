"""Notes and saved searches in a real browser: add a note from the keyboard, find the document
by the note's word, save that search and see it, counted, on the home page; axe-core finds no
serious or critical violation on the pages with the new parts open."""

from __future__ import annotations

import re

from tests.ui.conftest import SCREENSHOTS
from tests.ui.test_browser import log_in, serious_violations

NOTE_WORD = "Plouzanéennes"


def test_a_note_is_added_found_by_its_word_and_the_search_saved_for_the_home_page(page, live_ged):
    log_in(page)
    page.wait_for_url(re.compile(r"/recherche"))
    document_id = live_ged.documents["arrete"]
    page.goto(f"/documents/{document_id}")
    page.get_by_label("Ajouter un avis").fill(f"Avis favorable, riverains {NOTE_WORD} consultés")
    page.get_by_label("Ajouter un avis").press("Tab")
    page.keyboard.press("Enter")  # the focus is on « Publier l'avis »
    page.wait_for_url(re.compile(rf"/documents/{document_id}#avis"))
    notes = page.locator("#avis")
    assert NOTE_WORD in notes.inner_text() and "agent" in notes.inner_text()
    notes.get_by_text("Répondre").first.click()
    notes.get_by_text("Modifier").first.click()
    assert serious_violations(page) == []
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    notes.screenshot(path=SCREENSHOTS / "notes.png")

    # the note reaches the index through the worker's refresh job
    def found() -> bool:
        page.goto(f"/recherche?q=note:{NOTE_WORD}")
        return page.locator(".hit").count() == 1

    deadline = 60
    while not found() and deadline:
        page.wait_for_timeout(500)
        deadline -= 1
    link = page.locator(".hit h3 a").first.get_attribute("href")
    assert link.startswith(f"/documents/{document_id}?")  # with the query, for the viewer
    page.goto(f"/recherche?q={NOTE_WORD.lower()}")  # the full text has it too
    assert page.locator(".hit").count() == 1

    page.goto(f"/recherche?q=note:{NOTE_WORD}")
    page.get_by_text("Enregistrer cette recherche").click()
    page.get_by_label("Nom de la recherche").fill("Avis des riverains")
    page.get_by_label("Partager avec le groupe").select_option("urbanisme")
    page.locator("#enregistrer-recherche").get_by_role("button", name="Enregistrer").click()
    assert "enregistrée et partagée avec le groupe urbanisme" in page.inner_text("main")
    assert serious_violations(page) == []

    page.goto("/recherche")
    saved = page.locator("#recherches-enregistrees")
    assert "Avis des riverains" in saved.inner_text() and "(1 document)" in saved.inner_text()
    saved.get_by_text("Modifier").click()
    assert serious_violations(page) == []
    saved.screenshot(path=SCREENSHOTS / "saved-searches.png")
    saved.get_by_role("link", name="Avis des riverains").click()
    assert page.locator(".hit").count() == 1
