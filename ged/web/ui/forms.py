"""Reading the document forms into service values, with messages in the reader's language.

The services check the same rules and stay the authority; checking here first lets
the page put a message in French next to the right field.
"""

from __future__ import annotations

from datetime import date

from werkzeug.datastructures import MultiDict

from ged.models import Document
from ged.services.acl import GrantSpec
from ged.services.document_fields import MAX_TAG, MAX_TITLE
from ged.services.documents import Metadata
from ged.web.ui.i18n import translate as _

Errors = dict[str, str]


def parse_day(value: str, field: str, errors: Errors) -> date | None:
    if not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip())
    except ValueError:
        errors[field] = _("Date invalide : utilisez le format AAAA-MM-JJ.")
        return None


def read_grants(form: MultiDict) -> list[GrantSpec]:
    """The grants table's rows: a row whose permission is set to "none" is removed, and the
    empty row offered to add a grant is left blank when unused."""
    rows = zip(form.getlist("principal"), form.getlist("permission"), strict=False)
    return [GrantSpec(who, permission) for who, permission in rows if who and permission]


def split_tags(value: str) -> tuple[str, ...]:
    return tuple(dict.fromkeys(tag.strip() for tag in value.split(",") if tag.strip()))


def read_metadata(
    form: MultiDict, type_codes: set[str], units: set[str]
) -> tuple[Metadata, Errors]:
    errors: Errors = {}
    title = " ".join(form.get("title", "").split())
    if not title:
        errors["title"] = _("Le titre est obligatoire.")
    elif len(title) > MAX_TITLE:
        errors["title"] = _("Le titre ne doit pas dépasser {n} caractères.", n=MAX_TITLE)
    document_type = form.get("document_type", "").strip() or None
    if document_type is not None and document_type not in type_codes:
        errors["document_type"] = _("Type de document inconnu.")
    unit = form.get("unit", "").strip() or None
    if unit is not None and unit not in units:
        errors["unit"] = _("Service inconnu.")
    tags = split_tags(form.get("tags", ""))
    if any(len(tag) > MAX_TAG for tag in tags):
        errors["tags"] = _("Une étiquette ne doit pas dépasser {n} caractères.", n=MAX_TAG)
    document_date = parse_day(form.get("document_date", ""), "document_date", errors)
    metadata = Metadata(
        title=title,
        document_type=document_type,
        unit=unit,
        tags=tags,
        document_date=document_date,
    )
    return metadata, errors


def changed_fields(document: Document, metadata: Metadata) -> set[str]:
    """Only what differs: re-saving an unchanged type must not mark it as set by a person
    (that would feed the classifier's training with a guess nobody confirmed)."""
    current = {
        "title": document.title,
        "document_type": document.document_type.code if document.document_type else None,
        "unit": document.unit.name if document.unit else None,
        "tags": sorted(tag.name for tag in document.tags),
        "document_date": document.document_date,
    }
    wanted = {name: getattr(metadata, name) for name in current}
    wanted["tags"] = sorted(metadata.tags or ())
    return {name for name, value in current.items() if wanted[name] != value}


def read_selection(form: MultiDict, errors: Errors) -> dict:
    """Document numbers ("12, 15 16") or else a search, as the services take a selection."""
    numbers = form.get("ids", "").replace(",", " ").split()
    query = form.get("q", "").strip()
    if numbers:
        if not all(number.isdigit() and int(number) > 0 for number in numbers):
            errors["ids"] = _("Des numéros de documents, séparés par des virgules ou des espaces.")
            return {}
        return {"ids": [int(number) for number in dict.fromkeys(numbers)]}
    if query:
        return {"search": {"q": query}}
    errors["ids"] = _("Donnez les numéros des documents, ou une recherche.")
    return {}
