"""Separator and cover sheets for the mail room (``ged sheets print``): what a cover sheet
files is checked against the database first, so a typo is an error at the printer, not
a batch of documents filed without their type."""

from __future__ import annotations

from ged.services.document_fields import clean_tag_names, type_coded, unit_named
from ged.uow import UnitOfWork
from ingest.sheets import Sheet, sheet_pdf


def sheets_pdf(
    uow: UnitOfWork,
    document_type: str | None = None,
    unit: str | None = None,
    tags: tuple[str, ...] = (),
    reference: str | None = None,
    copies: int = 1,
) -> bytes:
    """An A4 PDF of ``copies`` identical sheets: a plain separator when nothing is given,
    else a cover sheet that files the documents scanned after it. Raises InvalidInput
    naming an unknown type or unit."""
    found_type = type_coded(uow.session, document_type)
    found_unit = unit_named(uow.session, unit)
    sheet = Sheet(
        document_type=found_type.code if found_type else "",
        unit=found_unit.name if found_unit else "",
        tags=tuple(clean_tag_names(tags)),
        reference=(reference or "").strip(),
    )
    settings = uow.settings.separators
    return sheet_pdf([sheet] * copies, settings.value, settings.filing_prefix)
