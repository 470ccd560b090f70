"""The whole pipeline on real RQ workers, tesseract and OpenSearch: upload → done."""

from __future__ import annotations

from io import BytesIO

import pytest

from tests.corpus import CORPUS
from tests.ingest.corpus_generator import generate
from tests.ingest.samples import born_digital_pdf, save_tiff, scan_image
from tests.processes import run_worker_burst, wait_until


def upload(api, content: bytes, filename: str, **fields) -> int:
    response = api.upload(content, filename, who="agent", **fields)
    assert response.status_code == 202, response.json
    return response.json["id"]


def test_born_digital_arrete_is_read_classified_extracted_and_found(sqlite_api, tmp_path):
    text = generate("arrete", seed=7)
    lines = [line for paragraph in text.split("\n") for line in _wrap(paragraph)]
    pdf = born_digital_pdf(tmp_path / "arrete.pdf", [lines[:45], lines[45:] or ["Fin."]])
    document_id = upload(sqlite_api, pdf.read_bytes(), "arrete.pdf", unit="Urbanisme")

    run_worker_burst(sqlite_api.settings)

    document = sqlite_api.get(f"/api/v1/documents/{document_id}").json
    assert document["status"] == "done", document
    assert document["document_type"] == "arrete"
    assert document["classification"]["source"] in ("rules", "model")
    assert document["needs_review"] is False
    assert document["version"]["page_count"] >= 1
    pages = sqlite_api.get(f"/api/v1/documents/{document_id}/text").json["pages"]
    assert {page["source"] for page in pages} == {"text"}  # born-digital: never OCR'd
    assert document["metadata"]["dates"], "the arrêté's dates were not extracted"

    # the index makes new documents searchable at its next refresh (about a second)
    wait_until(lambda: sqlite_api.get("/api/v1/search?q=arrêté").json["total"] == 1, 10, "search")
    hits = sqlite_api.get("/api/v1/search?q=arrêté").json
    assert [hit["id"] for hit in hits["hits"]] == [document_id]
    assert sqlite_api.get("/api/v1/search?q=arrêté", "outsider").json["total"] == 0


def test_scanned_page_rotated_with_noise_is_ocred(sqlite_api, tmp_path):
    lines = ["Délibération du conseil municipal", "", "Le quartier Quimperloise sera rénové."]
    image = scan_image(lines, dpi=150, rotation=90, noise=0.003, font_size=18)
    buffer = BytesIO()
    image.save(buffer, format="PNG")
    document_id = upload(sqlite_api, buffer.getvalue(), "scan.png")

    run_worker_burst(sqlite_api.settings)

    text = sqlite_api.get(f"/api/v1/documents/{document_id}/text").json
    assert text["status"] == "done", text
    assert text["pages"][0]["source"] == "ocr"
    assert text["pages"][0]["confidence"] > 50
    assert "Quimperloise" in text["pages"][0]["text"]


def test_multipage_tiff_is_read_page_by_page(sqlite_api, tmp_path):
    words = ["Abbeville", "Bressuire", "Carhaix"]
    images = [
        scan_image([f"Commune de {word}"], dpi=120, font_size=22, seed=n)
        for n, word in enumerate(words)
    ]
    tiff = save_tiff(tmp_path / "three.tif", images, dpi=120)
    document_id = upload(sqlite_api, tiff.read_bytes(), "three.tif")

    run_worker_burst(sqlite_api.settings)

    pages = sqlite_api.get(f"/api/v1/documents/{document_id}/text").json["pages"]
    assert [page["number"] for page in pages] == [1, 2, 3]
    for page, word in zip(pages, words, strict=True):
        assert word in page["text"]


@pytest.mark.parametrize(
    ("content", "filename", "status", "words"),
    [
        (b"PK\x03\x04" + b"\x00" * 200, "archive.pdf", "unsupported", "application/zip"),
        (b"%PDF-1.4\n1 0 obj<<>>\n", "tronque.pdf", "failed", ""),
    ],
)
def test_bad_files_end_in_a_readable_state(sqlite_api, content, filename, status, words):
    document_id = upload(sqlite_api, content, filename)
    run_worker_burst(sqlite_api.settings)
    document = sqlite_api.get(f"/api/v1/documents/{document_id}").json
    assert document["status"] == status, document
    assert document["error"], "a failed or unsupported version must say why"
    assert words in document["error"]
    # the original is kept byte for byte
    assert sqlite_api.get(f"/api/v1/documents/{document_id}/content").data == content


def test_encrypted_pdf_is_marked_with_its_reason(sqlite_api):
    encrypted = next(
        (CORPUS / "py-pdf-sample-files" / "005-libreoffice-writer-password").glob("*.pdf")
    )
    document_id = upload(sqlite_api, encrypted.read_bytes(), encrypted.name)
    run_worker_burst(sqlite_api.settings)
    document = sqlite_api.get(f"/api/v1/documents/{document_id}").json
    assert document["status"] == "failed"
    assert "password" in document["error"] or "encrypt" in document["error"]


def _wrap(paragraph: str, width: int = 90) -> list[str]:
    words, lines, line = paragraph.split(), [], ""
    for word in words:
        if len(line) + len(word) + 1 > width:
            lines.append(line)
            line = word
        else:
            line = f"{line} {word}".strip()
    return [*lines, line] if line else lines or [""]
