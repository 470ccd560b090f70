"""Metadata extraction: dates, company and bank identifiers, amounts, references, organisations
(found by ``ingest.organisations``).

Runs on every page of every document, so it is regex-first: cheap patterns find
candidates, and the libraries (python-stdnum, dateparser) only see those short
substrings. Identifiers are kept only when their checksum is right: OCR noise
is tolerated in separators, never in digits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from datetime import date
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate
from typing import NamedTuple, TypedDict

from dateparser.date import DateDataParser
from stdnum import iban
from stdnum.eu import vat
from stdnum.exceptions import ValidationError
from stdnum.fr import siren, siret, tva

from ingest.organisations import find_organisations


class Amount(TypedDict):
    value: str  # normalised with a dot and two decimals: "1234.56"
    currency: str
    kind: str | None  # "TTC", "HT" or None when the text does not say


class Metadata(TypedDict):
    dates: list[str]
    document_date: str | None
    siret: list[str]
    siren: list[str]
    iban: list[str]
    tva: list[str]
    amounts: list[Amount]
    references: list[str]
    organisations: list[str]


def extract_metadata(text: str, *, reference_date: date | None = None) -> Metadata:
    """Metadata found in a document's text; every list is deduplicated, in order of appearance.

    ``reference_date`` (default: today) gives the year of dates written without
    one (``le 1er avril``), bounds plausible years (1900 to its year + 5) and
    rules out later dates when guessing ``document_date``.

    ``siren`` holds every legal entity the document identifies: SIRENs written
    alone (next to a ``SIREN`` or ``RCS`` label) plus the SIREN part of each
    valid SIRET and French VAT number, so that searching by SIREN finds a
    document that only prints a SIRET.
    """
    reference_date = reference_date or date.today()
    found_dates = find_dates(text, reference_date)
    sirets = [m.number for m in _find_valid(_SIRET, text, siret.is_valid)]
    ibans = list(_find_grouped(_IBAN, text, iban.is_valid, _IBAN_LENGTHS))
    # The start of a French IBAN ("FR76 3000 …") must not be read as a VAT number.
    tvas = [m.number for m in _find_grouped(_VAT, _blank(text, ibans), vat.is_valid, _VAT_LENGTHS)]
    return {
        "dates": _unique(d.isoformat() for d, _ in found_dates),
        "document_date": _iso(guess_document_date(text, found_dates, reference_date)),
        "siret": _unique(sirets),
        "siren": _unique(find_sirens(text, sirets, tvas)),
        "iban": _unique(m.number for m in ibans),
        "tva": _unique(tvas),
        "amounts": _unique_amounts(find_amounts(text)),
        "references": _unique(find_references(text)),
        "organisations": _unique(find_organisations(text)),
    }


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(items))


def _iso(day: date | None) -> str | None:
    return day.isoformat() if day else None


_BLANKS = r"[ \t\u00a0\u202f]"  # spaces within a line, non-breaking ones included


# --- Dates -----------------------------------------------------------------

_MONTHS = (
    r"janvier|janv\.|f[ée]vrier|f[ée]vr\.|mars|avril|avr\.|mai|juin|juillet|juil\."
    r"|ao[uû]t|septembre|sept\.|octobre|oct\.|novembre|nov\.|d[ée]cembre|d[ée]c\."
)
# Abbreviations need their dot: "sept" alone is the number seven.
_TEXT_DATE = re.compile(
    rf"(?<!\w)(?P<day>[0-3]?\d)(?:{_BLANKS}?er|ᵉʳ)?{_BLANKS}*(?P<month>{_MONTHS})(?!\w)"
    rf"(?:{_BLANKS}+(?P<year>\d{{4}})(?!\d))?",
    re.IGNORECASE,
)
# Day first, as in French; the same separator twice so that "12/03-2026" is noise.
_NUMERIC_DATE = re.compile(r"(?<!\d)(\d{1,2})\s?([/.\-])\s?(\d{1,2})\s?\2\s?(\d{4})(?!\d)")
_ISO_DATE = re.compile(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")

_DATE_PARSER = DateDataParser(
    languages=["fr"], settings={"DATE_ORDER": "DMY", "REQUIRE_PARTS": ["day", "month", "year"]}
)


def find_dates(text: str, reference_date: date) -> list[tuple[date, int]]:
    """Valid, plausible dates with their position in the text, in order of appearance."""
    found = [
        *_text_dates(text, reference_date.year),
        *_numeric_dates(_NUMERIC_DATE, text, day=1, month=3, year=4),
        *_numeric_dates(_ISO_DATE, text, day=3, month=2, year=1),
    ]
    last_year = reference_date.year + 5
    return sorted(((d, pos) for d, pos in found if 1900 <= d.year <= last_year), key=lambda x: x[1])


def _text_dates(text: str, default_year: int) -> Iterator[tuple[date, int]]:
    for match in _TEXT_DATE.finditer(text):
        year = int(match["year"]) if match["year"] else default_year
        parsed = _parse_french_date(int(match["day"]), match["month"].lower(), year)
        if parsed:
            yield parsed, match.start()


@lru_cache(maxsize=4096)
def _parse_french_date(day: int, month: str, year: int) -> date | None:
    # dateparser knows the month names and their variants, and rejects 31 avril.
    parsed = _DATE_PARSER.get_date_data(f"{day} {month} {year}").date_obj
    return parsed.date() if parsed else None


def _numeric_dates(
    pattern: re.Pattern[str], text: str, *, day: int, month: int, year: int
) -> Iterator[tuple[date, int]]:
    # Numbers need no locale: the calendar check of datetime is all there is to do.
    for match in pattern.finditer(text):
        try:
            yield date(int(match[year]), int(match[month]), int(match[day])), match.start()
        except ValueError:
            continue


# Contexts (the start of the line before a date) that mark the date the document bears,
# best first: a signature or a letterhead, then an explicit label.
_DOCUMENT_DATE_CONTEXTS = (
    (
        re.compile(r"(?i)\b(?:fait|sign[ée]|d[ée]lib[ée]r[ée])\b.{0,60}\ble\s*$"),
        re.compile(r"(?:^|\s{3,})[A-ZÀ-Ý][\w'’ \-]{1,40},\s*le\s*$"),
    ),
    (
        re.compile(
            r"(?i)\bdate(?:\s+de\s+(?:la\s+)?facture|\s+d['’][ée]mission|\s+du\s+document)?\s*:\s*$"
        ),
    ),
)


def guess_document_date(
    text: str, found_dates: list[tuple[date, int]], reference_date: date
) -> date | None:
    """The date in the best context, else the first one not after ``reference_date``."""
    for patterns in _DOCUMENT_DATE_CONTEXTS:
        for day, pos in found_dates:
            line_start = text.rfind("\n", 0, pos) + 1
            context = text[max(line_start, pos - 80) : pos]
            if any(p.search(context) for p in patterns):
                return day
    # A due date or a deadline comes after the date of the document itself.
    past = next((day for day, _ in found_dates if day <= reference_date), None)
    return past or (found_dates[0][0] if found_dates else None)


# --- Identifiers -----------------------------------------------------------

# Separators that print and OCR put inside identifiers: spaces, dots, dashes.
_SEP = r"[ \t\u00a0\u202f.\-]{0,2}"
_SIRET = re.compile(rf"(?<!\d)\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{5}}(?!\d)")
# A 9-digit group is too common (amounts, phone numbers) and Luhn accepts one in ten
# random numbers, so a SIREN alone needs its label.
_SIREN = re.compile(
    rf"(?i:\bsiren\b|\br\.?\s?c\.?\s?s\b\.?)[^\d\n]{{0,30}}(\d{{3}}{_SEP}\d{{3}}{_SEP}\d{{3}})(?!{_SEP}\d)"
)
_GROUP_SEP = rf"{_BLANKS}{{0,2}}"
_IBAN = re.compile(rf"(?<![A-Za-z0-9])[A-Z]{{2}}\d{{2}}(?:{_GROUP_SEP}[A-Z0-9]+){{1,12}}")
_IBAN_LENGTHS = range(15, 35)  # ISO 13616: from Norway's 15 characters to 34
_VAT_PREFIXES = "|".join(sorted({cc.upper() for cc in vat.MEMBER_STATES} | {"EL"}))
# The country code is followed by a digit within the next two characters (FR keys may be letters).
_VAT = re.compile(
    rf"(?<![A-Za-z0-9])(?:{_VAT_PREFIXES})(?={_GROUP_SEP}[A-Z0-9]{{0,2}}{_GROUP_SEP}\d)"
    rf"(?:{_GROUP_SEP}[A-Z0-9]+){{1,8}}"
)
_VAT_LENGTHS = range(4, 15)  # with the prefix: from short Romanian numbers to 14 (NL, SE)
_CHUNK = re.compile(r"[A-Za-z0-9]+")


class _Found(NamedTuple):
    """A compacted identifier and where it was printed."""

    number: str
    start: int
    end: int


def _compact(printed: str) -> str:
    return "".join(_CHUNK.findall(printed)).upper()


def _find_valid(
    pattern: re.Pattern[str], text: str, is_valid: Callable[[str], bool]
) -> Iterator[_Found]:
    for match in pattern.finditer(text):
        number = _compact(match.group())
        if is_valid(number):
            yield _Found(number, match.start(), match.end())


def _find_grouped(
    pattern: re.Pattern[str], text: str, is_valid: Callable[[str], bool], lengths: range
) -> Iterator[_Found]:
    """Longest valid prefix of each candidate that ends on a printed group.

    What follows an IBAN or a VAT number on the line (a BIC, another number) looks
    like more groups; cutting only between groups never makes up a number.
    """
    pos = 0
    while match := pattern.search(text, pos):
        chunks = list(_CHUNK.finditer(match.group()))
        compact = "".join(chunk.group() for chunk in chunks)
        sizes = list(accumulate(len(chunk.group()) for chunk in chunks))
        pos = match.start() + chunks[0].end()
        for chunk, size in reversed(list(zip(chunks, sizes, strict=True))):
            # The length check is free; the library's validation is not, and noisy
            # uppercase text offers many candidates.
            if size in lengths and is_valid(compact[:size]):
                yield _Found(compact[:size], match.start(), match.start() + chunk.end())
                pos = match.start() + chunk.end()
                break


def _blank(text: str, found: list[_Found]) -> str:
    pieces, last = [], 0
    for item in found:
        pieces += [text[last : item.start], " " * (item.end - item.start)]
        last = item.end
    return "".join(pieces) + text[last:]


def find_sirens(text: str, sirets: list[str], tvas: list[str]) -> Iterator[str]:
    """Labelled SIRENs, then those of the SIRETs and of the French VAT numbers."""
    for match in _SIREN.finditer(text):
        number = _compact(match[1])
        if siren.is_valid(number):
            yield number
    yield from (siret.to_siren(number) for number in sirets)
    for number in tvas:
        if number.startswith("FR"):
            try:
                yield tva.to_siren(number)
            except ValidationError:  # Monaco numbers are valid TVA without a SIREN
                continue


# --- Amounts ---------------------------------------------------------------

_NUMBER = r"(?<![\d.,])(?:\d{1,3}(?:[ \u00a0\u202f.]\d{3})+|\d+)(?:[,.]\d{1,2})?(?!\d)"
_KIND = r"(?i:(?<![A-Za-z])(?:T\.?T\.?C\.?|H\.?T\.?)(?![A-Za-z])|hors\s+taxes?|toutes\s+taxes\s+comprises)"
_AMOUNT = re.compile(
    rf"(?:(?:€|EUR\b){_BLANKS}?(?P<before>{_NUMBER})"
    rf"|(?P<after>{_NUMBER}){_BLANKS}?(?:€|EUR\b|(?i:euros?)\b))"
    rf"(?:{_BLANKS}*(?P<kind>{_KIND}))?"
)
_LABEL_KIND = re.compile(_KIND)


def find_amounts(text: str) -> Iterator[Amount]:
    """Euro amounts; the kind follows the amount or is in its label on the same line."""
    label_start = 0
    for match in _AMOUNT.finditer(text):
        label_start = max(label_start, text.rfind("\n", 0, match.start()) + 1)
        kind = match["kind"] or _last_kind(text[label_start : match.start()])
        label_start = match.end()
        yield {
            "value": _normalise_amount(match["before"] or match["after"]),
            "currency": "EUR",
            "kind": _kind_name(kind) if kind else None,
        }


def _last_kind(label: str) -> str | None:
    kinds = _LABEL_KIND.findall(label)
    return kinds[-1] if kinds else None


def _kind_name(kind: str) -> str:
    return "HT" if kind.lower().startswith("h") else "TTC"


def _normalise_amount(printed: str) -> str:
    # The decimal part is the 1 or 2 digits after the last comma or dot; every other
    # dot or space groups thousands.
    decimals = re.search(r"[,.](\d{1,2})$", printed)
    integer = printed[: decimals.start()] if decimals else printed
    value = Decimal(re.sub(r"\D", "", integer) + "." + (decimals[1] if decimals else "0"))
    return str(value.quantize(Decimal("0.01")))


def _unique_amounts(amounts: Iterable[Amount]) -> list[Amount]:
    return list({(a["value"], a["currency"], a["kind"]): a for a in amounts}.values())


# --- References ------------------------------------------------------------

_REFERENCE = re.compile(
    r"(?:\b[Nn][ \t]?[°º]|№|(?i:\bnum[ée]ro\b|\br[ée]f(?:[ée]rence)?s?\b\.?))"
    r"(?:[ \t]+(?i:de|du|d['’])[ \t]*\w+)?"  # "N° de facture :", "N° d'engagement :"
    r"[ \t]*:?[ \t]*(?P<ref>[A-Za-z0-9]+(?:[/\-_.][A-Za-z0-9]+)*)"
)
# "SIRET n° …", "N° de TVA …", "Tél. n° …": numbers that are not references to a document.
_NOT_A_REFERENCE = re.compile(r"(?i)\b(?:siret|siren|tva|iban|rcs|t[ée]l[ée]phone|t[ée]l|fax)\b")


def find_references(text: str) -> Iterator[str]:
    """Reference numbers introduced by N°, numéro or réf.: the document's own and those it cites."""
    for match in _REFERENCE.finditer(text):
        ref = match["ref"]
        # A reference has a digit and is longer than a counter ("annexe n° 2").
        if len(ref) < 3 or not any(c.isdigit() for c in ref):
            continue
        if _NOT_A_REFERENCE.search(text[max(0, match.start() - 20) : match.start("ref")]):
            continue
        yield ref
