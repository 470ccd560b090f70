"""Organisations named in a document: public bodies (``Mairie de …``, ``Conseil
départemental de …``) and companies known by their legal form (``SARL …``, ``… SAS``).
Part of the metadata extraction (``ingest.metadata``): regex-only, run on every page.
"""

from __future__ import annotations

import re
import unicodedata

_BODIES = {
    "mairie": "Mairie",
    "commune": "Commune",
    "ville": "Ville",
    "prefecture": "Préfecture",
    "sous-prefecture": "Sous-préfecture",
    "conseil departemental": "Conseil départemental",
    "conseil regional": "Conseil régional",
    "region": "Région",
    "communaute de communes": "Communauté de communes",
    "communaute d'agglomeration": "Communauté d'agglomération",
    "communaute urbaine": "Communauté urbaine",
    "metropole": "Métropole",
}
_PARTICLES = {"de", "du", "des", "la", "le", "les", "en", "sur", "sous", "lès", "au", "aux"}
# Spaces within a line, non-breaking ones included: the same as ingest.metadata's _BLANKS.
_BLANKS = r"[ \t\u00a0\u202f]"
_SP = rf"{_BLANKS}+"  # names never run across lines
# A place: an optional article, a capitalised (possibly hyphenated) word, and at most
# one more joined by a particle ("Pays de Gex"); anything looser swallows the next words.
_WORD = r"[A-ZÀ-Ý][\w'’]*(?:-[\w'’]+)*"
_PLACE = (
    rf"(?:(?:Le|La|Les|LE|LA|LES){_SP}|L['’])?{_WORD}"
    rf"(?:{_SP}(?i:de{_SP}la|de|du|des|en|sur|sous|lès){_SP}{_WORD})?"
)
_PUBLIC_BODY = re.compile(
    r"(?<!\w)(?P<body>(?i:mairie|commune|ville|sous-pr[ée]fecture|pr[ée]fecture"
    r"|conseil\s+d[ée]partemental|conseil\s+r[ée]gional|r[ée]gion"
    r"|communaut[ée]\s+de\s+communes|communaut[ée]\s+d['’]agglom[ée]ration"
    r"|communaut[ée]\s+urbaine|m[ée]tropole))"
    rf"(?P<link>{_SP}(?i:de{_SP}la|de{_SP}l['’]|de|du|des){_SP}|{_SP}(?i:d['’]))"
    rf"(?P<name>{_PLACE})"
)
_LEGAL_FORMS = r"SARL|SASU|SAS|SA|EURL|SNC|SCI|SCOP|SELARL"
# Identifier labels often follow a company name on the same line.
_NAME_WORD = r"(?!(?:SIRET|SIREN|RCS|TVA|IBAN|BIC|APE|NAF)\b)[A-ZÀ-Ý][\w'’&\-]*"
_COMPANY_NAME = rf"{_NAME_WORD}(?:{_SP}(?:&{_SP}|et{_SP})?{_NAME_WORD}){{0,3}}"
_COMPANY = re.compile(
    rf"(?<!\w)(?P<form>{_LEGAL_FORMS}){_SP}(?P<name>{_COMPANY_NAME})"
    # A letterhead puts the form after the name: "Martin Bâtiment SAS au capital de …".
    rf"|^[ \t]*(?P<lead>{_COMPANY_NAME}),?{_SP}(?P<trailing_form>{_LEGAL_FORMS})"
    r"(?=[ \t]*(?:$|[,(\-–]|au\s+capital))",
    re.MULTILINE,
)


def find_organisations(text: str) -> list[str]:
    """Public bodies and companies named in the text, in order of appearance."""
    found = [(m.start(), _public_body_name(m)) for m in _PUBLIC_BODY.finditer(text)]
    found += [(m.start(), _company_name(m)) for m in _COMPANY.finditer(text)]
    return [name for _, name in sorted(found, key=lambda x: x[0])]


def _public_body_name(match: re.Match[str]) -> str:
    body = _BODIES[_ascii_key(match["body"])]
    link = _ascii_key(match["link"])
    name = _tidy_words(match["name"])
    return f"{body} {link}{name}" if link.endswith("'") else f"{body} {link} {name}"


def _company_name(match: re.Match[str]) -> str:
    if match["form"]:
        return f"{match['form']} {' '.join(match['name'].split())}"
    return f"{' '.join(match['lead'].split())} {match['trailing_form']}"


def _ascii_key(words: str) -> str:
    stripped = unicodedata.normalize("NFKD", words.replace("’", "'"))
    return " ".join(stripped.encode("ascii", "ignore").decode().lower().split())


def _tidy_words(name: str) -> str:
    name = " ".join(name.replace("’", "'").split())
    if not name.isupper():
        return name
    # Letterheads are often in capitals: "PUY-EN-VELAY" reads "Puy-en-Velay".
    pieces = re.split(r"([ \-])", name.lower())
    return "".join(
        piece if i and piece in _PARTICLES else piece.title() for i, piece in enumerate(pieces)
    )
