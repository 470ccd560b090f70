"""Scanned batches in the web UI: the upload form's split option (without scripts), the
batch's page with its documents, and the document page saying where it was cut from."""

from __future__ import annotations

from io import BytesIO

from tests.ingest.batches import Letter, batch_pages, save_batch
from tests.processes import run_worker_burst
from tests.ui.pages import browser, csrf_token


def test_a_batch_uploaded_from_the_form_is_split_and_shown(sqlite_api, tmp_path):
    path = save_batch(batch_pages([Letter(), Letter()]), tmp_path / "courrier.pdf")
    client = browser(sqlite_api, "archivist")
    answer = client.post(
        "/deposer",
        data={
            "file": (BytesIO(path.read_bytes()), "courrier.pdf"),
            "split": "separators",
            "csrf_token": csrf_token(client, "/deposer"),
        },
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert "Lot n° 1 reçu ; son découpage commence." in answer.get_data(as_text=True)
    assert "Découper chaque fichier aux feuilles de séparation" in answer.get_data(as_text=True)

    run_worker_burst(sqlite_api.settings)
    page = client.get("/lots/1").get_data(as_text=True)
    assert "Lot numérisé n° 1" in page and "Découpé" in page
    assert "Documents créés : 2 sur 2" in page
    assert 'href="/documents/2"' in page
    document = client.get("/documents/2").get_data(as_text=True)
    assert "Issu du lot numérisé n° 1" in document and "pages 4 à 4 du lot" in document
    assert browser(sqlite_api, "agent").get("/lots/1").status_code == 404
