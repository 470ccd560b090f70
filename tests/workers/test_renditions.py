"""PDF/A renditions through the whole pipeline on a real worker: a scan uploaded comes out
with a valid, searchable PDF/A-2b beside its untouched original, served by the API."""

from __future__ import annotations

import hashlib
import io
import subprocess

import pytest

from tests.ingest.samples import born_digital_pdf, page_lines, save_image_pdf, scan_image
from tests.processes import run_worker_burst
from tests.verapdf import validate

pytestmark = pytest.mark.services  # tesseract, veraPDF, a real worker


def upload(api, content: bytes, filename: str) -> int:
    response = api.upload(content, filename, who="agent")
    assert response.status_code == 202, response.json
    return response.json["id"]


def words_in(pdf: bytes, tmp_path) -> str:
    path = tmp_path / "downloaded.pdf"
    path.write_bytes(pdf)
    assert validate(path).compliant, validate(path).failures
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


def scan_png(word: str) -> bytes:
    buffer = io.BytesIO()
    image = scan_image([f"Délibération {word}", "", *page_lines("Commune")], dpi=150)
    image.save(buffer, "PNG", dpi=(150, 150))
    return buffer.getvalue()


def test_a_scan_gets_a_pdfa_rendition_served_beside_its_untouched_original(sqlite_api, tmp_path):
    original = scan_png("Quimperloise")
    document_id = upload(sqlite_api, original, "scan courrier.png")
    while_processing = sqlite_api.get(f"/api/v1/documents/{document_id}/content?rendition=pdfa")
    assert while_processing.status_code == 409, while_processing.json
    assert "still being processed" in while_processing.json["detail"]

    run_worker_burst(sqlite_api.settings)

    url = f"/api/v1/documents/{document_id}/content"
    rendition = sqlite_api.get(f"{url}?rendition=pdfa")
    assert rendition.status_code == 200, rendition.json
    assert rendition.mimetype == "application/pdf"
    assert 'filename="scan courrier.pdfa.pdf"' in rendition.headers["Content-Disposition"]
    assert rendition.headers["ETag"] == f'"{hashlib.sha256(rendition.data).hexdigest()}"'
    assert "Quimperloise" in words_in(rendition.data, tmp_path)
    assert sqlite_api.get(f"{url}?rendition=pdfa&version=1").data == rendition.data
    served = sqlite_api.get(url).data
    assert hashlib.sha256(served).digest() == hashlib.sha256(original).digest()
    # read like the original: by those who may read it, and written to the access log
    assert sqlite_api.get(f"{url}?rendition=pdfa", "outsider").status_code == 404
    events = sqlite_api.get(
        f"/api/v1/audit/events?action=document.download&document={document_id}", "auditor"
    ).json["events"]
    assert [event["details"].get("rendition") for event in events].count("pdfa") == 2, events


def test_a_scanned_pdf_gets_one_and_a_born_digital_pdf_answers_a_clear_404(sqlite_api, tmp_path):
    scan = save_image_pdf(
        tmp_path / "scan.pdf", [scan_image(["Kerfeunteuniennes", "", "Mairie"], dpi=150)]
    )
    scanned = upload(sqlite_api, scan.read_bytes(), "scan.pdf")
    digital = born_digital_pdf(tmp_path / "arrete.pdf", [["Arrêté du maire", "Article 1"]])
    born_digital = upload(sqlite_api, digital.read_bytes(), "arrete.pdf")

    run_worker_burst(sqlite_api.settings)

    rendition = sqlite_api.get(f"/api/v1/documents/{scanned}/content?rendition=pdfa")
    assert rendition.status_code == 200, rendition.json
    assert "Kerfeunteuniennes" in words_in(rendition.data, tmp_path)
    missing = sqlite_api.get(f"/api/v1/documents/{born_digital}/content?rendition=pdfa")
    assert missing.status_code == 404
    assert missing.mimetype == "application/problem+json"
    assert "has no pdfa rendition" in missing.json["detail"]
    assert "only scans" in missing.json["detail"]
    unknown = sqlite_api.get(f"/api/v1/documents/{born_digital}/content?rendition=docx")
    assert unknown.status_code in (400, 422), unknown.json
