"""Thumbnails and page images through the whole pipeline on a real worker: a scan and a
born-digital PDF come out with a first-page thumbnail, OCR keeps its word boxes, the UI
serves both pictures to readers only, with strong ETags; `ged thumbnails` backfills."""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys

import pytest
from PIL import Image
from sqlalchemy import delete, select

from ged.models import AuditEvent, Page, Rendition, Version
from tests.ingest.samples import born_digital_pdf, page_lines, scan_image
from tests.processes import run_worker_burst
from tests.ui.pages import browser
from tests.workers.test_maintenance_commands import ged

pytestmark = pytest.mark.services  # tesseract, a real worker

THUMBNAIL_WIDTH = 200


def scan_png(word: str) -> bytes:
    buffer = io.BytesIO()
    image = scan_image([f"Délibération {word}", "", *page_lines("Commune")], dpi=150)
    image.save(buffer, "PNG", dpi=(150, 150))
    return buffer.getvalue()


def upload(api, content: bytes, filename: str) -> int:
    response = api.upload(content, filename, who="agent")
    assert response.status_code == 202, response.json
    return response.json["id"]


def runtime_of(api):
    return api.client.application.extensions["ged"]


def thumbnail_rows(api) -> dict[int, Rendition]:
    with runtime_of(api).unit_of_work() as uow:
        rows = uow.session.scalars(select(Rendition).where(Rendition.kind == "thumbnail"))
        return {row.version_id: row for row in rows}


@pytest.fixture
def documents(sqlite_api, tmp_path) -> dict[str, int]:
    """A scanned PNG and a born-digital PDF of two pages, processed by the worker."""
    scanned = upload(sqlite_api, scan_png("Quimperloise"), "scan.png")
    digital = born_digital_pdf(
        tmp_path / "arrete.pdf",
        [["Arrêté du maire", "Article 1"], ["Article 2", "La circulation est réglementée"]],
    )
    born = upload(sqlite_api, digital.read_bytes(), "arrete.pdf")
    run_worker_burst(sqlite_api.settings)
    return {"scanned": scanned, "born": born}


def test_the_pipeline_makes_a_thumbnail_for_a_scan_and_a_born_digital_pdf(sqlite_api, documents):
    agent = browser(sqlite_api, "agent")
    for document_id in documents.values():
        response = agent.get(f"/documents/{document_id}/vignette", buffered=True)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.mimetype == "image/webp"
        picture = Image.open(io.BytesIO(response.data))
        assert picture.width == THUMBNAIL_WIDTH and 250 < picture.height < 300  # A4, upright
        # strong ETag, the content's digest; private; 304 while it is the same
        digest = hashlib.sha256(response.data).hexdigest()
        assert response.headers["ETag"] == f'"{digest}"'
        assert set(response.headers["Cache-Control"].split(", ")) == {
            "private",
            "no-cache",
            "max-age=0",
        }
        # a URL naming the digest is kept for good; a wrong digest is not
        named = agent.get(f"/documents/{document_id}/vignette?v={digest[:16]}", buffered=True)
        assert named.data == response.data
        assert set(named.headers["Cache-Control"].split(", ")) == {
            "private",
            "max-age=31536000",
            "immutable",
        }
        stale = agent.get(f"/documents/{document_id}/vignette?v={'0' * 16}", buffered=True)
        assert "immutable" not in stale.headers["Cache-Control"]
        again = agent.get(
            f"/documents/{document_id}/vignette",
            headers={"If-None-Match": f'"{digest}"'},
            buffered=True,
        )
        assert again.status_code == 304 and again.data == b""
    # a thumbnail of the scan is grey on white with text (from the OCR raster), not blank
    scan = Image.open(
        io.BytesIO(agent.get(f"/documents/{documents['scanned']}/vignette", buffered=True).data)
    )
    assert scan.convert("L").getextrema()[0] < 128
    assert len(thumbnail_rows(sqlite_api)) == 2


def test_the_api_serves_the_thumbnail_as_a_rendition_to_readers(sqlite_api, documents):
    url = f"/api/v1/documents/{documents['scanned']}/content?rendition=thumbnail"
    response = sqlite_api.get(url)
    assert response.status_code == 200, response.json
    assert response.mimetype == "image/webp"
    assert response.headers["Content-Disposition"] == "attachment; filename=scan.thumbnail.webp"
    assert response.headers["ETag"] == f'"{hashlib.sha256(response.data).hexdigest()}"'
    assert sqlite_api.get(url, "outsider").status_code == 404


def test_pictures_are_shown_to_readers_only_and_thumbnails_are_not_audited(sqlite_api, documents):
    outsider = browser(sqlite_api, "outsider")
    for path in ("vignette", "pages/1"):
        for document_id in documents.values():
            assert outsider.get(f"/documents/{document_id}/{path}").status_code == 404
    anonymous = sqlite_api.client.application.test_client()
    assert anonymous.get(f"/documents/{documents['born']}/vignette").status_code == 302

    agent = browser(sqlite_api, "agent")
    agent.get(f"/documents/{documents['born']}/vignette", buffered=True)
    page = agent.get(f"/documents/{documents['scanned']}/pages/1")
    assert page.status_code == 200 and page.mimetype == "image/webp"
    assert Image.open(io.BytesIO(page.data)).width == 1100
    cached = agent.get(
        f"/documents/{documents['scanned']}/pages/1",
        headers={"If-None-Match": page.headers["ETag"]},
    )
    assert cached.status_code == 304
    assert agent.get(f"/documents/{documents['scanned']}/pages/2").status_code == 404
    with runtime_of(sqlite_api).unit_of_work() as uow:
        previews = uow.session.scalars(
            select(AuditEvent).where(
                AuditEvent.action == "document.preview",
                AuditEvent.object_id == str(documents["scanned"]),
            )
        ).all()
        assert [event.details["page"] for event in previews] == [1, 1]
        born_events = uow.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_id == str(documents["born"]))
        ).all()
        assert "document.preview" not in born_events  # the thumbnail's view


def test_ocr_keeps_word_boxes_and_the_viewer_marks_the_searched_word(sqlite_api, documents):
    with runtime_of(sqlite_api).unit_of_work() as uow:
        page = uow.session.scalars(
            select(Page).join(Version).where(Version.document_id == documents["scanned"])
        ).one()
        boxes = page.word_boxes
    assert page.source == "ocr"
    word = next(box for box in boxes if box[4] == "Quimperloise")
    x0, y0, x1, y1 = word[:4]
    assert 0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1
    assert y0 < 0.2  # the first line of the page

    agent = browser(sqlite_api, "agent")
    html = agent.get(f"/documents/{documents['scanned']}?page=1&q=quimperloise").get_data(
        as_text=True
    )
    assert f'src="/documents/{documents["scanned"]}/pages/1"' in html
    assert f'<rect class="word-mark" x="{x0}" y="{y0}"' in html
    assert html.count('class="word-mark"') == 1
    assert "1 mot de la recherche surligné sur cette page" in html

    # a born-digital page is marked in its text, page 2 of 2 with its neighbour's link
    html = agent.get(f"/documents/{documents['born']}?page=2&q=circulation").get_data(as_text=True)
    assert "Page 2 sur 2" in html
    assert "<mark>circulation</mark>" in html
    assert f'href="/documents/{documents["born"]}?page=1&amp;q=circulation#visionneuse"' in html
    assert 'rel="next"' not in html


def test_ged_thumbnails_renders_those_missing(sqlite_api, documents):
    with runtime_of(sqlite_api).unit_of_work() as uow:
        uow.session.execute(delete(Rendition).where(Rendition.kind == "thumbnail"))
        uow.commit()
    agent = browser(sqlite_api, "agent")
    assert (
        agent.get(f"/documents/{documents['scanned']}/vignette", buffered=True).status_code == 404
    )

    result = ged(sqlite_api.settings, "thumbnails")

    assert result.returncode == 0, result.stderr
    assert "2 thumbnail(s) made, of 2 missing" in result.stderr
    for document_id in documents.values():
        assert agent.get(f"/documents/{document_id}/vignette", buffered=True).status_code == 200
    again = ged(sqlite_api.settings, "thumbnails")
    assert "0 thumbnail(s) made, of 0 missing" in again.stderr


def test_the_worker_loads_pillows_plugins_before_it_forks_thumbnail_processes():
    """A thumbnail's forked process inherits them rather than spend 90 ms loading them."""
    code = (
        "from workers.worker import preload_for_jobs\n"
        "from PIL import Image\n"
        "preload_for_jobs()\n"
        "print(Image._initialized)\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert run.stdout.split() == ["2"], run.stderr
