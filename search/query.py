"""The search box language and the other search parameters, checked: no I/O here.

``q`` is forgiving on purpose: words, "exact phrases", -exclusions and field
prefixes (type:, unit:, tag: on the facets, note: on the notes' text); anything else is a word. The only errors are those
a person can fix: an unclosed quote, a prefix without a value, absurd sizes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from stdnum import iban

from search.errors import InvalidQuery

MAX_QUERY_LENGTH = 1000
MAX_TERMS = 32
MAX_PAGE_SIZE = 100
# OpenSearch's index.max_result_window: from + size beyond it is refused (and deep
# from/size gets slow), so the API stops there with a message rather than a 500.
MAX_RESULT_WINDOW = 10_000
SORTS = ("relevance", "date")

# Prefix in q -> indexed field.
PREFIXES = {"type": "document_type", "unit": "unit", "tag": "tags"}
# Prefix in q -> text field: the word or phrase must be in that field, not anywhere.
TEXT_PREFIXES = {"note": "notes"}
# Filter parameter -> indexed field, for the keyword filters.
KEYWORD_FILTERS = {
    "document_type": "document_type",
    "unit": "unit",
    "tag": "tags",
    "mime_type": "mime_type",
}
DATE_FILTERS = ("date_from", "date_to")

# Unquoted words that carry no meaning on their own. The index drops them from the
# stemmed fields; here they are dropped too, else the exact sub-field would still
# require each one (an expensive and pointless clause).
# fmt: off
STOP_WORDS = frozenset({
    "a", "à", "au", "aux", "avec", "ce", "ces", "cet", "cette", "dans", "de", "des", "du",
    "elle", "en", "est", "et", "il", "ils", "je", "la", "le", "les", "leur", "leurs", "lui",
    "ma", "mais", "me", "mes", "moi", "mon", "ne", "nos", "notre", "nous", "on", "ou", "où",
    "par", "pas", "pour", "qu", "que", "qui", "sa", "se", "ses", "son", "sur", "ta", "te",
    "tes", "toi", "ton", "tu", "un", "une", "vos", "votre", "vous", "y", "c", "d", "j", "l",
    "m", "n", "s", "t",
})
# fmt: on

_PREFIX = re.compile(r"([A-Za-z]+):")
_DIGITS = re.compile(r"\d{1,9}")
_IBAN_START = re.compile(r"[A-Za-z]{2}\d{2}")
_IBAN_GROUP = re.compile(r"[A-Za-z0-9]{1,4}")


@dataclass(frozen=True)
class Term:
    """Something to find in the text: a word or a quoted phrase."""

    text: str
    phrase: bool = False
    # When the parser joined an identifier printed in groups ("732 829 320 00074"),
    # the groups as typed, also looked for as a phrase in the text.
    printed: str | None = None


@dataclass(frozen=True)
class ParsedQuery:
    include: tuple[Term, ...] = ()
    exclude: tuple[Term, ...] = ()
    # Indexed field -> values, from q prefixes; values of one field are alternatives.
    fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    excluded_fields: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # From note:…: words or phrases required in (or, excluded, absent from) the notes.
    notes: tuple[Term, ...] = ()
    excluded_notes: tuple[Term, ...] = ()


@dataclass(frozen=True)
class Filters:
    # Indexed field -> accepted values (any of them).
    keywords: dict[str, tuple[str, ...]] = field(default_factory=dict)
    date_from: date | None = None
    date_to: date | None = None


@dataclass(frozen=True)
class _Token:
    value: str
    negated: bool
    prefix: str | None
    quoted: bool


def parse_query(q: str) -> ParsedQuery:
    if len(q) > MAX_QUERY_LENGTH:
        raise InvalidQuery(
            f"the query is {len(q)} characters long; at most {MAX_QUERY_LENGTH} are accepted",
            field="q",
        )
    include: list[Term] = []
    exclude: list[Term] = []
    fields: dict[str, list[str]] = {}
    excluded_fields: dict[str, list[str]] = {}
    notes: list[Term] = []
    excluded_notes: list[Term] = []
    for token in _join_identifiers(_tokens(q)):
        if isinstance(token, Term):
            include.append(token)
        elif token.prefix in TEXT_PREFIXES:
            term = Term(token.value, phrase=token.quoted)
            (excluded_notes if token.negated else notes).append(term)
        elif token.prefix is not None:
            target = excluded_fields if token.negated else fields
            target.setdefault(PREFIXES[token.prefix], []).append(token.value)
        else:
            (exclude if token.negated else include).append(Term(token.value, phrase=token.quoted))
    meaningful = [term for term in include if term.phrase or term.text.lower() not in STOP_WORDS]
    # A query of stop words only ("de la") is still a query: keep them then.
    include = meaningful or include
    terms = len(include) + len(exclude) + len(notes) + len(excluded_notes)
    if terms > MAX_TERMS:
        raise InvalidQuery(
            f"the query has {terms} words or phrases; at most {MAX_TERMS} are accepted",
            field="q",
        )
    return ParsedQuery(
        include=tuple(include),
        exclude=tuple(exclude),
        fields={name: tuple(values) for name, values in fields.items()},
        excluded_fields={name: tuple(values) for name, values in excluded_fields.items()},
        notes=tuple(notes),
        excluded_notes=tuple(excluded_notes),
    )


def _tokens(q: str) -> list[_Token]:
    tokens: list[_Token] = []
    position, end = 0, len(q)
    while position < end:
        if q[position].isspace():
            position += 1
            continue
        negated = q[position] == "-"
        if negated:
            position += 1
            if position == end or q[position].isspace():
                continue  # a lone "-" means nothing
        prefix = None
        match = _PREFIX.match(q, position)
        if match and match.group(1).lower() in PREFIXES.keys() | TEXT_PREFIXES.keys():
            prefix = match.group(1).lower()
            position = match.end()
            if position == end or q[position].isspace():
                raise InvalidQuery(
                    f"{prefix}: needs a value right after the colon, for example {prefix}:facture",
                    field="q",
                )
        if q[position] == '"':
            closing = q.find('"', position + 1)
            if closing == -1:
                raise InvalidQuery(
                    f"unbalanced quote: the phrase opened at character {position + 1} is never "
                    'closed; add the closing " or remove the opening one',
                    field="q",
                )
            value, quoted, position = q[position + 1 : closing].strip(), True, closing + 1
        else:
            stop = position
            while stop < end and not q[stop].isspace() and q[stop] != '"':
                stop += 1
            value, quoted, position = q[position:stop], False, stop
        # Words without a letter or digit ("&", "…") would match nothing and so, as every
        # word is required, would empty the results.
        if any(character.isalnum() for character in value):
            tokens.append(_Token(" ".join(value.split()), negated, prefix, quoted))
    return tokens


def _join_identifiers(tokens: list[_Token]) -> list[_Token | Term]:
    """Join identifiers typed in groups: SIRET "732 829 320 00074", SIREN, IBAN "FR76 3000 …"."""
    joined: list[_Token | Term] = []
    index = 0
    while index < len(tokens):
        run = _identifier_run(tokens, index)
        if run > 1:
            groups = [token.value for token in tokens[index : index + run]]
            joined.append(Term("".join(groups), printed=" ".join(groups)))
            index += run
        else:
            joined.append(tokens[index])
            index += 1
    return joined


def _identifier_run(tokens: list[_Token], start: int) -> int:
    """How many tokens from ``start`` form one identifier (0 or 1: none to join)."""
    plain = []
    for token in tokens[start : start + 9]:
        if token.negated or token.prefix or token.quoted:
            break
        plain.append(token.value)
    if not plain:
        return 0
    if _IBAN_START.fullmatch(plain[0]):
        # Groups of four up to the last one; the checksum says where the IBAN ends when
        # a word of four letters follows it.
        run = 1
        while run < len(plain) and _IBAN_GROUP.fullmatch(plain[run]):
            run += 1
        return next(
            (length for length in range(run, 1, -1) if iban.is_valid("".join(plain[:length]))), 0
        )
    # SIRET (14 digits) first, then SIREN (9): the longest identifier wins.
    digits = 0
    best = 0
    for run, value in enumerate(plain, start=1):
        if not _DIGITS.fullmatch(value):
            break
        digits += len(value)
        if digits in (9, 14):
            best = run
    return best


def check_filters(filters: dict[str, Any]) -> Filters:
    """Validate the filter parameters; None and empty values mean "no filter"."""
    keywords: dict[str, tuple[str, ...]] = {}
    dates: dict[str, date | None] = {name: None for name in DATE_FILTERS}
    for name, value in filters.items():
        if value is None or value == [] or value == "":
            continue
        if name in KEYWORD_FILTERS:
            values = [value] if isinstance(value, str) else value
            if not isinstance(values, list | tuple) or not all(
                isinstance(item, str) and item for item in values
            ):
                raise InvalidQuery(f"{name} must be a text value or a list of them", field=name)
            keywords[KEYWORD_FILTERS[name]] = tuple(values)
        elif name in DATE_FILTERS:
            dates[name] = _day(name, value)
        else:
            known = ", ".join([*KEYWORD_FILTERS, *DATE_FILTERS])
            raise InvalidQuery(f"unknown filter {name!r}; the filters are {known}", field=name)
    date_from, date_to = dates["date_from"], dates["date_to"]
    if date_from and date_to and date_from > date_to:
        raise InvalidQuery(
            f"date_from ({date_from}) is after date_to ({date_to})", field="date_from"
        )
    return Filters(keywords=keywords, date_from=date_from, date_to=date_to)


def _day(name: str, value: object) -> date:
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise InvalidQuery(f"{name} must be a date written YYYY-MM-DD, not {value!r}", field=name)


def check_paging(sort: str, page: int, size: int) -> None:
    if sort not in SORTS:
        raise InvalidQuery(f"sort must be one of {', '.join(SORTS)}, not {sort!r}", field="sort")
    for name, value in (("page", page), ("size", size)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise InvalidQuery(f"{name} must be a whole number from 1, not {value!r}", field=name)
    if size > MAX_PAGE_SIZE:
        raise InvalidQuery(f"size must be at most {MAX_PAGE_SIZE}, not {size}", field="size")
    if page * size > MAX_RESULT_WINDOW:
        raise InvalidQuery(
            f"page {page} of {size} results is too deep: only the first {MAX_RESULT_WINDOW} "
            "results can be paged through; narrow the search with words or filters",
            field="page",
        )
