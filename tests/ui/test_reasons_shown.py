"""Reasons from the services and the pipeline reach people in their language: French on
the pages (English on request), English in the API unless the client asks for French."""

from __future__ import annotations

from io import BytesIO

from tests.processes import run_worker_burst
from tests.ui.pages import browser, csrf_token

NO_PAGES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_a_failed_version_says_why_in_french_and_in_english_on_request(sqlite_api):
    document_id = sqlite_api.upload(NO_PAGES, "vide.pdf").json["id"]
    run_worker_burst(sqlite_api.settings)
    error = sqlite_api.get(f"/api/v1/documents/{document_id}").json["error"]
    assert error and error.startswith("the PDF")  # stored as produced, in English

    client = browser(sqlite_api)
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert "Raison :" in page and "le PDF" in page and error not in page
    polled = client.get(f"/documents/{document_id}/etat").json
    assert polled["error"].startswith("le PDF")

    client.get("/langue/en")
    assert error in client.get(f"/documents/{document_id}").get_data(as_text=True)


def test_a_refusal_shown_on_a_page_is_in_french(sqlite_api):
    client = browser(sqlite_api)
    token = csrf_token(client, "/deposer")
    answer = client.post(
        "/deposer",
        data={"csrf_token": token, "file": (BytesIO(b""), "vide.txt")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    page = answer.get_data(as_text=True)
    assert "Refusé : vide.txt : le fichier est vide" in page
    assert "the file is empty" not in page


def test_the_api_answers_in_french_to_a_client_that_asks_for_it(sqlite_api):
    english = sqlite_api.get("/api/v1/documents/999999", "admin")
    french = sqlite_api.get(
        "/api/v1/documents/999999", "admin", headers={"Accept-Language": "fr-FR,fr;q=0.9"}
    )
    assert english.status_code == french.status_code == 404
    assert english.json["detail"] == "document 999999 does not exist"
    assert french.json["detail"] == "le document 999999 n'existe pas"
