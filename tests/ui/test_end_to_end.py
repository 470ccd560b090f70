"""The whole path of a scanned document, in order, in a real browser (headless Chromium)
against a running ged (`ged serve` + `ged worker`, real OpenSearch and Redis: see conftest.py):
an agent files a scan, finds it by a word only its OCR text holds, corrects its type and
files a new version; someone without rights does not see it; an auditor exports the log
that recorded the upload. Screenshots of the pages go to var/test/ui-screenshots/."""

from __future__ import annotations

import csv
import io
import re
import time

from axe_playwright_python.sync_playwright import Axe

from tests.ingest.samples import born_digital_pdf, page_lines, save_image_pdf, scan_image
from tests.ui.conftest import SCREENSHOTS
from tests.ui.test_browser import log_in

#: made up, so only the OCR of the scan below can make a search find it
SCAN_WORD = "Kerbernez"
#: how long the worker may take to read (OCR), classify and index the scan
PIPELINE_TIMEOUT_MS = 90_000


def check_accessibility(page, axe: Axe, name: str) -> None:
    """No serious or critical axe-core violation; and a full-page screenshot for people."""
    results = axe.run(page)
    serious = [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert serious == [], (name, serious)
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"end-to-end-{name}.png", full_page=True)


def search(page, word: str, timeout: float = 15) -> None:
    """Search from the page's search box until a hit shows (the index refreshes each second)."""
    deadline = time.monotonic() + timeout
    while True:
        page.get_by_label("Rechercher dans les archives").fill(word)
        page.get_by_role("button", name="Rechercher", exact=True).click()
        page.wait_for_url(re.compile(rf"/recherche\?q={word}"))
        if page.locator(".hit").count() or time.monotonic() > deadline:
            return
        page.wait_for_timeout(500)


def test_a_scan_from_upload_to_search_edit_new_version_and_audit_export(page, tmp_path):
    axe = Axe()
    scan = save_image_pdf(
        tmp_path / "scan.pdf",
        [
            scan_image(
                [
                    "Mairie de Plouzévédé",
                    f"Compte rendu de la visite du lieu-dit {SCAN_WORD}",
                    "Le chemin communal sera refait au printemps.",
                ],
                dpi=150,
            )
        ],
    )

    # An agent logs in and files the scan through the upload page.
    log_in(page)
    page.wait_for_url("**/recherche")
    page.goto("/deposer")
    page.get_by_label("Service").select_option("Urbanisme")
    page.set_input_files("#file", scan)
    item = page.locator(".upload-item").first
    item.wait_for()
    # The live status is polled until the pipeline is over: text read, classified, indexed.
    page.wait_for_selector(".upload-item[data-final]", timeout=PIPELINE_TIMEOUT_MS)
    assert item.get_attribute("data-status") == "done", item.inner_text()
    assert "Terminé" in item.locator(".upload-status").inner_text()
    href = item.get_by_role("link", name="Ouvrir le document").get_attribute("href")
    document_id = int(re.search(r"/documents/(\d+)$", href).group(1))

    # A word that only the OCR of the image can have found finds it.
    page.goto("/recherche")
    search(page, SCAN_WORD)
    hits = page.locator(".hit")
    assert hits.count() == 1, page.locator(".results").inner_text()
    assert page.get_by_role("heading", name="1 document").is_visible()
    assert page.locator(".snippet mark").first.inner_text().lower() == SCAN_WORD.lower()
    check_accessibility(page, axe, "search")

    # Opened, it shows its OCR text; its type is corrected by hand.
    hits.first.locator("h3 a").click()
    # at the hit's page, in the viewer
    page.wait_for_url(re.compile(rf"/documents/{document_id}\?page=1&q=.+#visionneuse$"))
    assert "Terminé" in page.get_by_role("status").first.inner_text()
    assert SCAN_WORD in page.locator(".page-text pre").first.text_content()
    assert "reconnaissance de caractères" in page.locator(".page-text summary").first.inner_text()
    kind = page.get_by_label("Type de document")
    new_type = "facture" if kind.input_value() != "facture" else "arrete"
    kind.select_option(new_type)
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    assert "Modifications enregistrées." in page.locator(".flash").inner_text()
    assert page.get_by_label("Type de document").input_value() == new_type
    assert "Type choisi par une personne." in page.locator(".classification").inner_text()

    # A new version, filed from the document page, heads the history.
    second = born_digital_pdf(
        tmp_path / "v2.pdf", [page_lines(f"Compte rendu corrigé {SCAN_WORD}", seed=21)]
    )
    form = page.locator("form.add-version")
    form.get_by_label("Fichier").set_input_files(second)
    form.get_by_label("Commentaire").fill("version corrigée")
    form.get_by_role("button", name="Déposer la version").click()
    assert "Version 2 déposée" in page.locator(".flash").inner_text()
    assert "version 2" in page.locator(".document-meta").inner_text()
    rows = page.locator("section[aria-labelledby=versions-title] tbody tr")
    assert rows.count() == 2
    newest = rows.first
    assert newest.locator("th").inner_text().startswith("2")
    assert "courante" in newest.locator("th").inner_text()
    assert "version corrigée" in newest.inner_text()
    assert rows.nth(1).locator("th").inner_text().strip() == "1"
    # The page polls the new version's processing and, once over, offers to reload.
    page.get_by_role("status").get_by_role("link", name=re.compile("Traitement terminé")).click(
        timeout=PIPELINE_TIMEOUT_MS
    )
    assert "Terminé" in page.get_by_role("status").first.inner_text()
    assert "Terminé" in rows.first.inner_text()
    assert "Compte rendu corrigé" in page.locator(".page-text pre").first.text_content()
    # The PDF viewer draws its toolbar a moment after the page has loaded.
    page.wait_for_timeout(1500)
    check_accessibility(page, axe, "document")

    page.get_by_role("button", name="Se déconnecter").click()
    assert "Vous êtes déconnecté." in page.locator(".flash").inner_text()

    # Someone without rights finds neither the document nor its count in the facets.
    log_in(page, "outsider")
    page.wait_for_url("**/recherche")
    page.goto(f"/recherche?q={SCAN_WORD}")
    assert page.get_by_role("heading", name="0 document").is_visible()
    assert page.locator(".hit").count() == 0
    assert page.locator(".facets").count() == 0 or page.locator(".facets li").count() == 0
    assert page.goto(f"/documents/{document_id}").status in (403, 404)
    page.context.clear_cookies()

    # The auditor finds the upload in the log and exports it.
    log_in(page, "auditor")
    page.wait_for_url(re.compile(r"/(recherche|audit)"))
    page.goto("/audit")
    page.get_by_label("N° de document").fill(str(document_id))
    page.get_by_role("button", name="Filtrer").click()
    page.wait_for_url(re.compile(rf"document={document_id}"))
    assert "document.upload" in page.locator("main table").inner_text()
    check_accessibility(page, axe, "audit")
    with page.expect_download() as download_info:
        page.locator(".exports").get_by_role("link", name="CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    with open(download.path(), encoding="utf-8-sig", newline="") as exported:
        events = list(csv.DictReader(io.StringIO(exported.read())))
    uploads = [event for event in events if event["action"] == "document.upload"]
    assert len(uploads) == 1, events
    assert uploads[0]["actor"] == "agent"
    assert uploads[0]["object_id"] == str(document_id)
    assert uploads[0]["outcome"] == "allowed"
    assert "scan.pdf" in uploads[0]["details"]
    versions = [event for event in events if event["action"] == "document.version.add"]
    assert [event["actor"] for event in versions] == ["agent"]
