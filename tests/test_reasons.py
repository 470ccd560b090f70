"""Every reason ged gives people has its French (ged.reasons): the catalogue is checked
against the source, and the translation against reasons as they are really produced."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ged.reasons import CATALOGUE, in_french, placeholders
from tests.reason_sites import raised_reasons, refusal_names, stored_reasons


@pytest.fixture(scope="module")
def sites() -> dict[str, str]:
    found: dict[str, str] = {}
    for text, where in [*raised_reasons(refusal_names()), *stored_reasons()]:
        found.setdefault(text, where)
    return found


def test_every_reason_written_in_the_source_has_its_french(sites):
    missing = {where: text for text, where in sites.items() if text not in CATALOGUE}
    assert not missing, f"add their French to the package's reasons_fr.py: {missing}"


def test_no_french_is_kept_for_a_reason_that_is_gone(sites):
    assert not [text for text in CATALOGUE if text not in sites]


def test_each_french_has_the_placeholders_of_its_english():
    different = {
        english: french
        for english, french in CATALOGUE.items()
        if placeholders(english) != placeholders(french) or french in ("", "TODO")
    }
    assert not different


def test_the_sites_are_found_where_reasons_are_written(sites):
    # The reader itself: if it stopped seeing f-strings or stored reasons, the two tests
    # above would pass on nothing.
    assert sites["no unit named {unit_name!r}"].startswith("ged/services/")
    assert sites["OCR stopped after {options.page_timeout:g} s"].startswith("ingest/ocr.py")
    assert "internal error during {step}: {exc}" in sites
    assert "on legal hold: kept until the hold is released" in sites
    assert len(sites) > 250


def test_a_reason_reads_in_french_with_its_values():
    french = CATALOGUE["no unit named {unit_name!r}"].replace("{unit_name!r}", "« Urbanisme »")
    assert in_french("no unit named 'Urbanisme'") == french
    assert "3,5" not in in_french("OCR stopped after 3.5 s")  # values are kept as written
    assert "3.5" in in_french("OCR stopped after 3.5 s")


def test_a_reason_within_a_reason_is_translated_too():
    inner = "the PDF has no pages"
    french = in_french(f"internal error during extract: {inner}")
    assert CATALOGUE[inner] in french and inner not in french


def test_a_text_no_template_matches_is_left_as_it_is():
    assert in_french("Connection refused by 127.0.0.1:9") == "Connection refused by 127.0.0.1:9"
    assert in_french("") == ""


def test_the_pages_show_a_refusal_through_reason():
    """A page that catches a service's refusal shows it with ged.web.ui.i18n.reason (in the
    reader's language), never as str() of it, in English. The single sign-on endpoint that
    answers a browser's script in OAuth's JSON is the exception."""
    ui = Path(__file__).resolve().parents[1] / "ged" / "web" / "ui"
    shown_raw = {
        f"{path.name}:{number}"
        for path in ui.glob("*.py")
        if path.name != "oidc_login.py"
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"\bstr\((refused|refusal|exc|error|reason)\)", line)
    }
    assert not shown_raw
