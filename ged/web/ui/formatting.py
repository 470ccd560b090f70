"""How values read on a page: dates, sizes, pipeline states in plain words, highlights."""

from __future__ import annotations

import html
import re
from datetime import date, datetime

from flask import Blueprint
from markupsafe import Markup, escape

from ged.models import Version
from ged.timeutil import aware
from ged.web.ui.i18n import current_language
from ged.web.ui.i18n import translate as _

#: what a version is waiting for, by the last pipeline step it completed
_NEXT_STEP = {
    None: "Lecture du texte en cours (OCR si nécessaire)",
    "extract": "Classement en cours",
    "classify": "Recherche des dates, montants et identifiants",
    "metadata": "Indexation pour la recherche",
    "index": "Finalisation",
}
_FINAL = {
    "done": "Terminé : indexé, le document se trouve par la recherche",
    "failed": "Échec du traitement",
    "unsupported": "Format non pris en charge : le fichier est conservé mais son contenu n'est pas lu",
}
ROLE_LABELS = {
    "admin": "Administrateur",
    "archivist": "Archiviste",
    "agent": "Agent",
    "auditor": "Auditeur",
    "station": "Poste de numérisation",
    "archives_authority": "Autorité d'archives (visa d'élimination)",
}
PERMISSION_LABELS = {"read": "Lecture", "write": "Modification", "manage": "Gestion"}
METADATA_LABELS = {
    "dates": "Dates",
    "document_date": "Date du document",
    "siret": "SIRET",
    "siren": "SIREN",
    "tva": "TVA intracommunautaire",
    "iban": "IBAN",
    "amounts": "Montants",
    "references": "Références",
    "organisations": "Organismes",
}
_MARK = re.compile(r"(</?mark>)")


def status_label(version: Version) -> str:
    if version.status in _FINAL:
        return _(_FINAL[version.status])
    if version.status == "pending":
        return _("En attente de traitement")
    return _(_NEXT_STEP.get(version.step, _NEXT_STEP[None]))


def is_final(version: Version) -> bool:
    return version.status in _FINAL


def format_date(value: date | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        value = date.fromisoformat(value[:10])
    return value.strftime("%d/%m/%Y") if current_language() == "fr" else value.isoformat()


def format_moment(value: datetime | None) -> str:
    if value is None:
        return ""
    moment = aware(value)
    day = format_date(moment.date())
    return f"{day} {moment:%H:%M} UTC"


def format_count(count: int) -> str:
    # "10 000" in French (narrow no-break space), "10,000" in English.
    grouped = f"{count:,}"
    return grouped.replace(",", "\u202f") if current_language() == "fr" else grouped


def format_size(size: int) -> str:
    french = current_language() == "fr"
    units = ("o", "Ko", "Mo", "Go") if french else ("B", "KB", "MB", "GB")
    value = float(size)
    for unit in units:
        if value < 1024 or unit == units[-1]:
            text = f"{value:.0f}" if unit in ("o", "B") else f"{value:.1f}"
            return f"{text.replace('.', ',') if french else text} {unit}"
        value /= 1024
    return ""


def highlight(fragment: str) -> Markup:
    """A search fragment with its <mark> tags kept and anything else shown as text.

    OpenSearch escapes the text already; decoding then escaping again means the page
    never trusts the index with markup, whatever its highlighter settings become."""
    pieces = []
    for piece in _MARK.split(fragment):
        pieces.append(
            Markup(piece) if piece in ("<mark>", "</mark>") else escape(html.unescape(piece))
        )
    return Markup("").join(pieces)


def extracted_items(extracted: dict | None) -> list[tuple[str, list[str]]]:
    """The metadata found in the text that has a value, in a stable order, as lists."""
    found = extracted or {}
    items = []
    for key in METADATA_LABELS:
        value = found.get(key)
        if value:
            values = [value] if isinstance(value, str) else value
            items.append((key, [_amount(v) if isinstance(v, dict) else str(v) for v in values]))
    return items


def _amount(amount: dict) -> str:
    """``{"value": "1234.50", "currency": "EUR", "kind": "TTC"}`` as people write it."""
    units, _dot, cents = f"{float(amount['value']):,.2f}".partition(".")
    if current_language() == "fr":
        number = units.replace(",", "\u202f") + "," + cents
    else:
        number = f"{units}.{cents}"
    return " ".join(part for part in (number, amount.get("currency"), amount.get("kind")) if part)


def init_blueprint(parent: Blueprint) -> None:
    parent.add_app_template_filter(format_date, "day")
    parent.add_app_template_filter(format_moment, "moment")
    parent.add_app_template_filter(format_size, "size")
    parent.add_app_template_filter(format_count, "count")
    parent.add_app_template_filter(highlight, "highlight")
    parent.add_app_template_filter(status_label, "status_label")
    parent.add_app_template_filter(extracted_items, "extracted_items")

    @parent.context_processor
    def labels():
        return {
            "role_labels": ROLE_LABELS,
            "permission_labels": PERMISSION_LABELS,
            "metadata_labels": METADATA_LABELS,
        }
