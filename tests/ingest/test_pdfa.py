"""PDF/A-2b renditions of scans, made from the text layer of the one OCR run, checked with
veraPDF (the real validator) and pdftotext (the words are searchable where they are)."""

from __future__ import annotations

import hashlib
import io
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from ingest.pdfa import PdfaJob, PdfaNotMade, make_pdfa
from ingest.text import extract
from tests.ingest import samples
from tests.verapdf import validate

pytestmark = pytest.mark.services  # real tesseract and veraPDF

DPI = 150


def scan(words: str, seed: int = 0) -> Image.Image:
    return samples.scan_image([words, "", *samples.page_lines("Commune", seed=seed)], dpi=DPI)


def rendition_of(path: Path, mime_type: str, tmp_path: Path) -> tuple[Path, str]:
    """The rendition made as the pipeline makes it: the text layers of extract()'s OCR."""
    before = hashlib.sha256(path.read_bytes()).hexdigest()
    extraction = extract(path, mime_type, text_layers=True, processes=2)
    assert extraction.status == "done", extraction.error
    kind = "pdf" if mime_type == "application/pdf" else "image"
    output = tmp_path / "rendition.pdf"
    producer = make_pdfa(
        PdfaJob(path, kind, extraction.text_layers, "Délibération"), output, timeout=120
    )
    assert hashlib.sha256(path.read_bytes()).hexdigest() == before  # the original untouched
    return output, producer


def text_of(pdf: Path) -> str:
    return subprocess.run(
        ["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout


def assert_pdfa(pdf: Path) -> None:
    verdict = validate(pdf)
    assert verdict.compliant, verdict.failures


def test_a_scanned_png_becomes_a_valid_searchable_pdfa(tmp_path):
    path = tmp_path / "scan.png"
    scan("Délibération Quimperloise").save(path, dpi=(DPI, DPI))

    rendition, producer = rendition_of(path, "image/png", tmp_path)

    assert_pdfa(rendition)
    assert "Quimperloise" in text_of(rendition)
    assert producer.startswith("tesseract 5") and "pikepdf" in producer
    with pikepdf.open(rendition) as pdf:
        assert pdf.open_metadata()["dc:title"] == "Délibération"
        width, height = (float(value) for value in pdf.pages[0].mediabox[2:])
    # the page is the size of the paper that was scanned: A4 at the image's resolution
    assert (width, height) == pytest.approx((595, 842), abs=1)


def test_a_multipage_tiff_keeps_every_page_even_one_with_no_text(tmp_path):
    blank = Image.new("L", scan("x").size, 255)
    images = [scan("Kerfeunteuniennes"), blank, scan("Plouzévédéenne", seed=2)]
    path = samples.save_tiff(tmp_path / "three.tif", images, dpi=DPI)

    rendition, _ = rendition_of(path, "image/tiff", tmp_path)

    assert_pdfa(rendition)
    with pikepdf.open(rendition) as pdf:
        assert len(pdf.pages) == 3
    pages = text_of(rendition).split("\f")
    assert "Kerfeunteuniennes" in pages[0]
    assert not pages[1].strip()
    assert "Plouzévédéenne" in pages[2]


def test_a_scanned_pdf_keeps_its_pages_under_the_ocr_text(tmp_path):
    path = samples.save_image_pdf(
        tmp_path / "scan.pdf", [scan("Quimperloise"), scan("Kerfeunteuniennes", 1)], dpi=DPI
    )

    rendition, _ = rendition_of(path, "application/pdf", tmp_path)

    assert_pdfa(rendition)
    pages = text_of(rendition).split("\f")
    assert "Quimperloise" in pages[0] and "Kerfeunteuniennes" in pages[1]
    with pikepdf.open(path) as original, pikepdf.open(rendition) as pdf:
        # the scan's own images, not a re-rendering of them
        ours = {
            bytes(image.read_raw_bytes()) for p in pdf.pages for image in p.get_images().values()
        }
        theirs = {
            bytes(image.read_raw_bytes())
            for p in original.pages
            for image in p.get_images().values()
        }
        assert theirs <= ours


def test_a_scan_stamped_with_an_unembedded_font_goes_through_ghostscript(tmp_path):
    path = tmp_path / "stamped.pdf"
    canvas = Canvas(str(path), pagesize=A4)
    canvas.drawImage(ImageReader(scan("Quimperloise")), 0, 0, *A4)
    canvas.setFont("Helvetica", 8)  # one of the 14 standard fonts: never embedded
    canvas.drawString(20, 830, "Reçu le 12/03")  # the scanner's stamp
    canvas.showPage()
    canvas.save()

    rendition, producer = rendition_of(path, "application/pdf", tmp_path)

    assert "ghostscript" in producer
    assert_pdfa(rendition)
    assert "Quimperloise" in text_of(rendition)


def test_a_colour_photo_turned_by_its_exif_tag_is_shown_upright_in_colour(tmp_path):
    upright = scan("Quimperloise").convert("RGB")
    upright.paste((200, 30, 30), (20, 20, 120, 120))  # a red stamp
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was held sideways: view it turned 90° clockwise
    buffer = io.BytesIO()
    upright.transpose(Image.Transpose.ROTATE_90).save(buffer, "JPEG", exif=exif, dpi=(DPI, DPI))
    path = tmp_path / "photo.jpg"
    path.write_bytes(buffer.getvalue())

    rendition, _ = rendition_of(path, "image/jpeg", tmp_path)

    assert_pdfa(rendition)
    assert "Quimperloise" in text_of(rendition)
    with pikepdf.open(rendition) as pdf:
        page = pdf.pages[0]
        assert float(page.mediabox[3]) > float(page.mediabox[2])  # portrait, as it was shot
        (image,) = page.get_images().values()
        assert image.ColorSpace == pikepdf.Name.DeviceRGB


def test_text_layers_come_only_when_asked_for(tmp_path):
    path = tmp_path / "scan.png"
    scan("Quimperloise").save(path, dpi=(DPI, DPI))

    assert extract(path, "image/png", processes=1).text_layers == {}
    layers = extract(path, "image/png", processes=1, text_layers=True).text_layers
    assert list(layers) == [0] and layers[0].startswith(b"%PDF")


def test_an_unreadable_file_gives_a_reason_not_a_crash(tmp_path):
    path = tmp_path / "broken.png"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 100)

    with pytest.raises(PdfaNotMade, match="PDF/A rendition"):
        make_pdfa(PdfaJob(path, "image", {}, "x"), tmp_path / "out.pdf", timeout=30)
