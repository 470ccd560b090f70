"""Every text the UI shows in French has its English translation, with the same fields."""

from __future__ import annotations

import re
import string
from pathlib import Path

from ged.web.ui import (
    accessibility,
    audit_pages,
    bulk_pages,
    errors,
    formatting,
    lifecycle_labels,
    page_edit_pages,
    search_page,
)
from ged.web.ui.english import MESSAGES

UI = Path(__file__).resolve().parents[2] / "ged" / "web" / "ui"
# _("…") and _n("…", "…") in templates and views, with either quote.
_LITERAL = r"""(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')"""
_CALL = re.compile(rf"\b_n?\(\s*{_LITERAL}(?:\s*,\s*{_LITERAL})?")


def texts_used() -> set[str]:
    found = set()
    for path in [*UI.rglob("*.html"), *UI.glob("*.py")]:
        for match in _CALL.finditer(path.read_text()):
            found.update(
                text.replace("\\'", "'").replace('\\"', '"') for text in match.groups() if text
            )
    # Texts kept in tables and translated where they are shown.
    tables = (
        formatting._NEXT_STEP,
        formatting._FINAL,
        formatting.ROLE_LABELS,
        formatting.PERMISSION_LABELS,
        formatting.METADATA_LABELS,
        search_page.SORTS,
        search_page.FILTER_NAMES,
        search_page.MIME_LABELS,
        bulk_pages.ACTIONS,
        bulk_pages.JOB_STATUSES,
        page_edit_pages.TURN_LABELS,
        audit_pages.REASONS,
        *lifecycle_labels.TABLES,
    )
    for table in tables:
        found.update(table.values())
    found.update(criterion.title for criterion in accessibility.CRITERIA)
    for title, explanation in errors.PAGES.values():
        found.update((title, explanation))
    return found


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_french_text_has_an_english_translation():
    missing = sorted(texts_used() - MESSAGES.keys())
    assert not missing, missing


def test_translations_keep_the_same_fields():
    wrong = [french for french, english in MESSAGES.items() if fields(french) != fields(english)]
    assert not wrong, wrong
