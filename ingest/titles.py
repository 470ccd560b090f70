"""A title proposed from a document's text, for documents filed without one.

Administrative acts announce themselves: a kind and a number ("ARRÊTÉ N° 2026-0526") and
an object ("portant réglementation de la circulation", "Objet : …"). Those make the title
an agent would type; failing them, the first line that reads like a heading. Only the
head of the text is read: a title is never on page 12.
"""

from __future__ import annotations

import re

from ingest.classify import normalise

#: the kinds of acts recognised, as written in a title (the text may be upper case)
ACT_KINDS = {
    "arrete": "Arrêté",
    "deliberation": "Délibération",
    "decision": "Décision",
    "decret": "Décret",
    "circulaire": "Circulaire",
    "convention": "Convention",
    "avenant": "Avenant",
    "contrat": "Contrat",
    "marche": "Marché",
    "facture": "Facture",
    "avis": "Avis",
    "proces-verbal": "Procès-verbal",
}
#: lines read at the head of the text
HEAD_LINES = 40
#: an object longer than this is cut at a word boundary
MAX_OBJECT = 120
#: a heading line has at least this many letters and at most this many characters
MIN_HEADING_LETTERS, MAX_HEADING = 8, 100

_ACT = re.compile(
    r"(?i)\b(?P<kind>arr[êeé]t[ée]|d[ée]lib[ée]ration|d[ée]cision|d[ée]cret|circulaire"
    r"|convention|avenant|contrat|march[ée]|facture|avis|proc[èe]s[- ]verbal)"
    r"(?:\s+[a-zàâçéèêëîïôûù']+){0,3}?\s+n\s?[°o*º]\s*(?P<number>[A-Z0-9][\w./-]*\w)"
)
_OBJECT_LABEL = re.compile(r"(?i)^\s*objet\s*:\s*(?P<object>.+)$")
_OBJECT_LEAD = re.compile(
    r"(?i)^\s*(?:portant(?:\s+sur)?|relati(?:f|ve)\s+(?:à|a|aux|au)|concernant)\s+(?P<object>.+)$"
)
_NOT_A_HEADING = re.compile(
    r"(?i)@|https?:|www\.|\b(?:t[ée]l|fax|siret|siren|iban|page)\b|\d{5}\s|\d{2}[ ./]\d{2}[ ./]\d{2}"
)


def propose_title(text: str) -> str | None:
    """The title this text suggests, or None when nothing in its head reads like one."""
    lines = [" ".join(line.split()) for line in text.splitlines()]
    lines = [line for line in lines if line][:HEAD_LINES]
    act, after_act = _act(lines)
    subject = _object(lines, after_act)
    if act and subject:
        return f"{act} — {subject}"
    if act or subject:
        return act or _capitalised(subject or "")
    return _heading(lines)


def _act(lines: list[str]) -> tuple[str | None, list[str]]:
    """The act's kind and number, and the lines after them (the rest of its line first)."""
    for index, line in enumerate(lines):
        match = _ACT.search(line)
        if match:
            kind = ACT_KINDS[normalise(match["kind"]).replace(" ", "-")]
            return f"{kind} n° {match['number']}", [line[match.end() :], *lines[index + 1 :]]
    return None, []


def _object(lines: list[str], after_act: list[str]) -> str | None:
    """The object of the act: an "Objet :" line anywhere in the head, else a "portant …"
    line just after the act's heading, with its continuation lines."""
    for index, line in enumerate(lines):
        match = _OBJECT_LABEL.match(line)
        if match:
            return _shortened(match["object"], lines[index + 1 :])
    for index, line in enumerate(after_act[:4]):
        match = _OBJECT_LEAD.match(line.lstrip(" ,:-–—"))
        if match:
            return _shortened(match["object"], after_act[index + 1 :])
    return None


def _shortened(start: str, following: list[str]) -> str:
    """The object, continued on the next lines while a sentence goes on (a line that does
    not end with a full stop and a next one that starts in lower case), then cut."""
    text = start
    for line in following:
        if text.endswith((".", ";", ":")) or not line[:1].islower() or len(text) > MAX_OBJECT:
            break
        text = f"{text} {line}"
    text = text.rstrip(" .;:,")
    if len(text) > MAX_OBJECT:
        text = text[: text.rfind(" ", 0, MAX_OBJECT)].rstrip(" ,;:") + "…"
    return _lower_if_shouting(text)


def _heading(lines: list[str]) -> str | None:
    for line in lines[: HEAD_LINES // 2]:
        letters = sum(character.isalpha() for character in line)
        if (
            len(line) <= MAX_HEADING
            and letters >= MIN_HEADING_LETTERS
            and letters >= 0.7 * len(line.replace(" ", ""))
            and len(line.split()) >= 2
            and not _NOT_A_HEADING.search(line)
        ):
            return _capitalised(_lower_if_shouting(line.rstrip(" .:;,")))
    return None


def _lower_if_shouting(text: str) -> str:
    # OCR of a heading in capitals: "RÉGLEMENTATION DE LA CIRCULATION" reads better lowered.
    letters = [character for character in text if character.isalpha()]
    if letters and sum(character.isupper() for character in letters) > 0.8 * len(letters):
        return text.lower()
    return text


def _capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]
