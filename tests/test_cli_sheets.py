"""``ged sheets print``: a plain separator and a cover sheet, read back as a scanner would
see them (patch T, the separator code, the filing code, French text); an unknown type or
unit is one line naming it, and no file."""

from __future__ import annotations

import random

import pypdfium2 as pdfium

from ingest.separators import Detection, read_page
from tests.ingest.batches import rasterised, scanned
from tests.test_cli import environment_of, migrated_settings, run_ged

__all__ = ["migrated_settings"]

#: a cover sheet filing invoices of Finances, tagged, with a reference
COVER = (
    "sheets",
    "print",
    *("--type", "facture", "--unit", "Finances"),
    *("--tags", "urgent, 2026", "--ref", "2026-123"),
)


def test_a_cover_sheet_files_what_follows_and_says_so_in_french(migrated_settings, tmp_path):
    output = tmp_path / "feuille.pdf"
    result = run_ged(*COVER, "-o", str(output), env=environment_of(migrated_settings))
    assert result.returncode != 0
    assert "unknown unit 'Finances'" in result.stderr
    assert not output.exists()

    run_ged("unit", "create", "Finances", env=environment_of(migrated_settings))
    result = run_ged(
        *COVER, "--copies", "2", "-o", str(output), env=environment_of(migrated_settings)
    )
    assert result.returncode == 0, result.stderr
    document = pdfium.PdfDocument(output.read_bytes())
    assert len(document) == 2
    text = document[0].get_textpage().get_text_range()
    assert "Feuille de couverture" in text and "Service : Finances" in text
    page = scanned(rasterised(output.read_bytes(), 150)[0], "upside_down", random.Random(2))
    reading = read_page(1, page, Detection())
    assert reading.separator
    assert reading.filing == {
        "type": "facture",
        "unit": "Finances",
        "tags": ["urgent", "2026"],
        "ref": "2026-123",
    }


def test_a_plain_separator_files_nothing(migrated_settings, tmp_path):
    output = tmp_path / "separateur.pdf"
    result = run_ged("sheets", "print", "-o", str(output), env=environment_of(migrated_settings))
    assert result.returncode == 0, result.stderr
    text = pdfium.PdfDocument(output.read_bytes())[0].get_textpage().get_text_range()
    assert "Feuille de séparation" in text
    reading = read_page(1, rasterised(output.read_bytes())[0], Detection())
    assert (reading.separator, reading.filing) == (True, {})
