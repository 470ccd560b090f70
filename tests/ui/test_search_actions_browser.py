"""The search page's actions in a real browser (headless Chromium) against a running ged
(`ged serve` + `ged worker`, see conftest.py): an archivist retypes three results in bulk
and follows the job's progress bar to the end, then deletes one document and restores it;
axe finds no serious or critical violation on any of these pages. Screenshots go to
var/test/ui-screenshots/."""

from __future__ import annotations

import re
import time

from tests.ui.conftest import SCREENSHOTS, WORD
from tests.ui.test_browser import log_in, serious_violations

#: how long the live worker may take to run the bulk job
JOB_TIMEOUT_MS = 60_000


def checked(page, name: str) -> None:
    assert serious_violations(page) == [], name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"actions-{name}.png", full_page=True)


def test_three_results_retyped_in_bulk_then_one_deleted_and_restored(page, live_ged):
    log_in(page, "archivist")
    page.goto(f"/recherche?q={WORD}")
    assert page.get_by_role("heading", name="4 documents").is_visible()
    titles = page.locator(".hit h3").all_inner_texts()
    for title in titles[:3]:
        page.get_by_label(f"Sélectionner « {title} »").check()
    page.get_by_label("Action").select_option("add_tags")
    # bulk.js shows only the chosen action's fields.
    assert page.get_by_label("Étiquettes à ajouter ou à retirer").is_visible()
    assert not page.get_by_label("Nouveau type").is_visible()
    page.get_by_label("Action").select_option("set_document_type")
    assert not page.get_by_label("Étiquettes à ajouter ou à retirer").is_visible()
    page.get_by_label("Nouveau type").select_option(label="Délibération")
    checked(page, "1-search")
    page.get_by_role("button", name="Continuer").click()

    page.wait_for_url(re.compile(r"/recherche/modification\?"))
    assert page.get_by_role("heading", name="Modifier 3 documents ?").is_visible()
    checked(page, "2-confirm")
    page.get_by_role("button", name="Confirmer").click()

    page.wait_for_url(re.compile(r"/travaux/\d+$"))
    # progress.js polls the job and reloads the page once it is over.
    page.locator(".job-status", has_text="Terminée").wait_for(timeout=JOB_TIMEOUT_MS)
    assert "3 documents modifiés" in page.locator(".job-counts").inner_text()
    checked(page, "3-job-done")

    # The index follows each change, soon after its commit.
    deadline = time.monotonic() + 30
    while True:
        page.goto(f"/recherche?q={WORD}&document_type=deliberation")
        if page.locator(".hit").count() == 3 or time.monotonic() > deadline:
            break
        page.wait_for_timeout(500)
    retyped = page.locator(".hit h3").all_inner_texts()
    assert sorted(retyped) == sorted(titles[:3])

    page.get_by_role("link", name=retyped[0]).click()
    page.get_by_role("link", name="Supprimer ce document…").click()
    assert page.get_by_role("heading", name=f"Supprimer « {retyped[0]} » ?").is_visible()
    checked(page, "4-delete")
    page.get_by_role("button", name="Supprimer le document").click()
    assert "est supprimé" in page.locator(".flashes").inner_text()
    page.goto("/corbeille")
    assert retyped[0] in page.locator("table").inner_text()
    checked(page, "5-corbeille")
    page.get_by_role("button", name=f"Restaurer « {retyped[0]} »").click()
    assert "est restauré" in page.locator(".flashes").inner_text()
    assert page.locator("table").count() == 0
