"""Text layers, their judgement, plain text, and bad input: all without OCR, or next to none."""

from __future__ import annotations

import io
import time
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.lib.utils import ImageReader
from reportlab.pdfgen.canvas import Canvas

from ingest.pages import Extraction, PageText
from ingest.text import (
    EMPTY,
    ENCRYPTED,
    LOST,
    decode_text,
    extract,
    is_usable_text,
    needs_ocr,
    restore_pdf_end,
)
from tests.corpus import CORPUS
from tests.ingest import samples

ENCRYPTED_PDF = (
    CORPUS / "py-pdf-sample-files/005-libreoffice-writer-password/libreoffice-writer-password.pdf"
)
BOMB_PDF = CORPUS / "ocrmypdf/hugemono.pdf"
FRENCH = "Le conseil municipal, après en avoir délibéré, approuve le budget primitif."


@pytest.mark.parametrize(
    "text",
    [
        FRENCH,
        "Table of Contents\nHeading.......................1\nSection.......................2",
        "Contents\n1 Foo 2\n2 Bar 2\n3 Baz 2\n4 Foo 2\n5 Bar 3",
        "حَبيبي habibi حَبيبي",
        "Nom : ____________ Prénom : ____________",
    ],
)
def test_real_text_is_usable(text: str) -> None:
    assert is_usable_text(text)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n  ",
        "12",  # a page number alone
        "/g437/g258",  # glyph names of a Type 3 font without Unicode map
        '"7+%-',  # a TrueType font without Unicode map
        "F n e m b \\ h e h k \x03 ; e Z \\ d\nI n k ^ \x03 ; e Z \\ d \x03",
        "\ue001\ue002\ue003\ue004 \ue005\ue006",  # private-use code points
    ],
)
def test_junk_and_near_empty_text_layers_are_not_usable(text: str) -> None:
    assert not is_usable_text(text)


def test_a_short_text_over_a_page_sized_image_is_a_scan_with_a_header() -> None:
    header = "Numérisé par RICOH MP C3004 le 12/03/2024 à 10:32"
    assert needs_ocr(header, image_coverage=0.98)
    assert not needs_ocr(header, image_coverage=0.05)  # a born-digital page with a logo
    assert not needs_ocr(FRENCH * 5, image_coverage=1.0)  # an OCR'd scan: its text is kept
    assert needs_ocr(None, image_coverage=0.0)
    assert needs_ocr("", image_coverage=0.0)


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ("Délibération n° 12 — été".encode(), "Délibération n° 12 — été"),
        (b"\xef\xbb\xbfArr\xc3\xaat\xc3\xa9", "Arrêté"),
        ("Arrêté du maire, 100 €".encode("cp1252"), "Arrêté du maire, 100 €"),
        (b"caf\xe9 \x81", "café \x81"),  # 0x81 is undefined in cp1252: Latin-1 takes it
        ("Délibération".encode("utf-16"), "Délibération"),
    ],
)
def test_plain_text_is_decoded_whatever_its_encoding(data: bytes, expected: str) -> None:
    assert decode_text(data) == expected


def test_a_plain_text_file_is_one_page_without_nul_characters(tmp_path: Path) -> None:
    path = tmp_path / "note.txt"
    path.write_bytes("Compte rendu\x00 de réunion\n".encode("cp1252"))
    result = extract(path, "text/plain")
    assert result == Extraction([PageText(1, "text", None, "Compte rendu de réunion")], 1, "done")


def test_a_born_digital_pdf_is_read_from_its_text_layer_without_ocr(tmp_path: Path) -> None:
    pdf = samples.french_born_digital_pdf(tmp_path / "arrete.pdf")
    result = extract(pdf, "application/pdf")
    assert (result.status, result.page_count) == ("done", 2)
    assert [page.source for page in result.pages] == ["text", "text"]
    assert [page.confidence for page in result.pages] == [None, None]
    assert "réglementation de la circulation" in result.pages[0].text
    assert "Délibération du conseil — Quimperloise" in result.pages[1].text
    assert result.ocr.pages == 0 and result.ocr.tesseract_cpu == 0
    assert result.text == f"{result.pages[0].text}\f{result.pages[1].text}"


def test_a_born_digital_page_with_a_logo_and_little_text_is_not_ocred(tmp_path: Path) -> None:
    logo = io.BytesIO()
    Image.new("L", (120, 60), 90).save(logo, "PNG")
    path = tmp_path / "couverture.pdf"
    canvas = Canvas(str(path), pagesize=A4)
    canvas.drawImage(ImageReader(logo), 60, 700, width=120, height=60)
    canvas.drawString(60, 650, "Mairie de Quimperlé — Rapport annuel")
    canvas.showPage()
    canvas.save()
    result = extract(path, "application/pdf")
    assert [(page.source, page.text) for page in result.pages] == [
        ("text", "Mairie de Quimperlé — Rapport annuel")
    ]
    assert result.ocr.pages == 0


def test_an_encrypted_pdf_is_failed_with_its_reason() -> None:
    result = extract(ENCRYPTED_PDF, "application/pdf")
    assert (result.status, result.error, result.pages) == ("failed", ENCRYPTED, [])


def test_a_pdf_locked_only_against_printing_is_read(tmp_path: Path) -> None:
    writer = PdfWriter(clone_from=samples.french_born_digital_pdf(tmp_path / "open.pdf"))
    writer.encrypt(user_password="", owner_password="mairie", algorithm="RC4-128")
    writer.write(tmp_path / "locked.pdf")
    result = extract(tmp_path / "locked.pdf", "application/pdf")
    assert result.status == "done"
    assert "Quimperloise" in result.pages[1].text


@pytest.mark.parametrize(("user_password", "status"), [("", "done"), ("secret", "failed")])
def test_aes_encrypted_pdfs_are_read_unless_they_need_a_password(
    tmp_path: Path, user_password: str, status: str
) -> None:
    pytest.importorskip("cryptography", reason="pypdf needs it for AES")
    writer = PdfWriter(clone_from=samples.french_born_digital_pdf(tmp_path / "open.pdf"))
    writer.encrypt(user_password=user_password, owner_password="mairie", algorithm="AES-256")
    writer.write(tmp_path / "locked.pdf")
    result = extract(tmp_path / "locked.pdf", "application/pdf")
    assert result.status == status
    assert result.error == (ENCRYPTED if user_password else None)


def test_a_truncated_pdf_gives_the_text_of_the_pages_that_arrived(tmp_path: Path) -> None:
    pages = [samples.page_lines(f"Page {n} Quimperloise", seed=n) for n in range(1, 11)]
    whole = samples.born_digital_pdf(tmp_path / "whole.pdf", pages)
    cut = samples.truncated_copy(whole, tmp_path / "cut.pdf")
    result = extract(cut, "application/pdf", max_pages=10)
    assert (result.status, result.page_count) == ("done", 10)
    assert result.pages[0].text.startswith("Page 1 Quimperloise")
    assert result.pages[1].text.startswith("Page 2 Quimperloise")
    assert {page.note for page in result.pages[3:]} == {LOST}


def test_a_pdf_cut_before_its_catalog_is_failed_with_a_reason(tmp_path: Path) -> None:
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Length 10 >>\nstream\nBT /F1 12 Tf")
    result = extract(cut, "application/pdf")
    assert result.status == "failed"
    assert result.error.startswith("the PDF is damaged and cannot be read")


def test_restoring_a_pdf_end_names_its_last_catalog() -> None:
    data = b"%PDF-1.4\n3 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n4 0 obj\n<< /Len"
    restored = restore_pdf_end(data)
    assert restored is not None and restored.startswith(data)
    assert b"trailer\n<< /Root 3 0 R >>" in restored
    assert restore_pdf_end(b"%PDF-1.4\n%%EOF\n") is None


def test_an_empty_file_is_failed_as_empty(tmp_path: Path) -> None:
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"")
    assert extract(path, "application/x-empty") == Extraction([], 0, "failed", EMPTY)


def test_an_unsupported_type_is_kept_unread_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "archive.zip"
    path.write_bytes(b"PK\x03\x04 not really")
    result = extract(path, "application/zip")
    assert (result.status, result.pages) == ("unsupported", [])
    assert "application/zip" in result.error


def test_a_one_pixel_image_is_done_with_a_note(tmp_path: Path) -> None:
    path = tmp_path / "pixel.png"
    Image.new("L", (1, 1), 0).save(path)
    result = extract(path, "image/png")
    assert result.status == "done"
    assert result.pages == [
        PageText(1, "none", None, "", "image too small to hold text (1×1 pixels)")
    ]
    assert result.ocr.pages == 0


def test_a_decompression_bomb_in_a_pdf_is_refused_with_its_size() -> None:
    started = time.monotonic()
    result = extract(BOMB_PDF, "application/pdf")
    assert result.status == "failed"
    assert result.error == "image of 35000×35000 pixels exceeds the limit (decompression bomb?)"
    assert time.monotonic() - started < 5


def test_a_decompression_bomb_image_is_refused_before_decoding(tmp_path: Path) -> None:
    path = tmp_path / "bomb.png"
    Image.new("1", (20_000, 20_000), 1).save(path)  # 50 kB on disk, 400 Mpx decoded
    result = extract(path, "image/png", max_image_pixels=100_000_000)
    assert (result.status, result.error) == (
        "failed",
        "image of 20000×20000 pixels exceeds the limit (decompression bomb?)",
    )


def test_five_hundred_blank_pages_end_quickly_within_the_page_limit(tmp_path: Path) -> None:
    pdf = samples.blank_pages_pdf(tmp_path / "blank.pdf", 500)
    started = time.monotonic()
    result = extract(pdf, "application/pdf", max_pages=5)
    assert time.monotonic() - started < 30
    assert (result.status, result.page_count, result.ocr.pages) == ("done", 500, 0)
    assert {page.note for page in result.pages[:5]} == {"blank page"}
    assert {page.note for page in result.pages[5:]} == {"beyond the OCR page limit (5 pages)"}
