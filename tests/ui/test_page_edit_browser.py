"""Pages work in a real browser (Chromium) against a running ged and its worker: an agent
turns the second page of a scan a quarter and moves it first, from the document page;
the new version is read without OCR and a search finds the page's word on page 1."""

from __future__ import annotations

from io import BytesIO

import pytest

from ged.access import command_line
from ged.bootstrap import build
from ged.services.tokens import create_token
from ged.web import create_app
from tests.processes import wait_until
from tests.ui.pictures import scanned_pdf
from tests.ui.test_browser import log_in, serious_violations

#: the word of this module's scan, on its second page
WORD = "Plouescatoises"


@pytest.fixture(scope="module")
def api(live_ged):
    runtime = build(live_ged.settings)
    with runtime.unit_of_work() as uow:
        token = create_token(uow, command_line(), "agent", "pages work test")[1]
    runtime.close()
    app = create_app(live_ged.settings)
    yield app.test_client(), {"Authorization": f"Bearer {token}"}
    app.extensions["ged"].close()


def done(api, document_id: int, version: int) -> bool:
    client, headers = api
    answer = client.get(f"/api/v1/documents/{document_id}", headers=headers).json
    return answer["current_version"] == version and answer["status"] == "done"


def word_pages(api) -> list[tuple[int, int]]:
    client, headers = api
    hits = client.get(f"/api/v1/search?q={WORD}", headers=headers).json["hits"]
    return [(hit["id"], mark["page"]) for hit in hits for mark in hit["highlights"]]


def test_an_agent_turns_and_moves_a_page_and_finds_its_word_on_the_new_first_page(
    page, api, tmp_path
):
    client, headers = api
    data = {
        "file": (BytesIO(scanned_pdf(tmp_path, WORD)), "courrier.pdf"),
        "title": "Courrier scanné de travers",
        "unit": "Urbanisme",
    }
    filed = client.post("/api/v1/documents", data=data, headers=headers, buffered=True)
    assert filed.status_code == 202, filed.json
    document_id = filed.json["id"]
    wait_until(lambda: word_pages(api) == [(document_id, 2)], 120, "the scan to be read")

    log_in(page)
    page.wait_for_url("**/recherche")
    page.goto(f"/documents/{document_id}")
    page.get_by_role("link", name="Pages : tourner, réordonner, supprimer, extraire").click()
    assert page.get_by_role("heading", name="Pages de « Courrier scanné de travers »").is_visible()
    assert serious_violations(page) == []
    page.locator("#rotation-2").select_option(label="Un quart de tour à droite")
    page.locator("#position-2").fill("1")
    page.locator("#position-1").fill("2")
    page.get_by_role("button", name="Enregistrer comme nouvelle version").click()

    page.wait_for_url(f"**/documents/{document_id}")
    assert (
        "Version 2 enregistrée : page 2 tournée de 90° ; pages remises dans l'ordre 2, 1."
        in page.locator(".flash").inner_text()
    )
    wait_until(lambda: done(api, document_id, 2), 60, "the new version to be read")
    wait_until(lambda: word_pages(api) == [(document_id, 1)], 30, "the new version indexed")
    text = client.get(f"/api/v1/documents/{document_id}/text", headers=headers).json
    assert WORD in text["pages"][0]["text"] and text["pages"][0]["source"] == "ocr"
    page.goto(f"/recherche?q={WORD}")
    assert page.get_by_role("link", name="Courrier scanné de travers").is_visible()
