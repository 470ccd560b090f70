"""The reasons ged gives (an error's detail, why a version failed, why a page has no text),
in French as well as in English.

Services and the pipeline write their reasons in English, the API's language, where they
are produced; the French of each lives next to it, in its package's catalogue
(``ged.reasons_fr``, ``ingest.reasons_fr``, ``search.reasons_fr``), keyed by the English
template exactly as written at the raise site, placeholders included:

    raise NotFound(f"no unit named {unit_name!r}")
    "no unit named {unit_name!r}": "aucun service nommé {unit_name!r}",

A reason is translated by matching its text against those templates, so that the same
works for an exception in hand and for a reason stored in the database by a worker.
tests/test_reasons.py reads every raise site and pipeline reason and checks that each has
its French. A text no template matches (a library's own message) is shown as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache, partial

from ged.reasons_fr import SERVICE_REASONS
from ingest.reasons_fr import INGEST_REASONS
from search.reasons_fr import SEARCH_REASONS

CATALOGUE: dict[str, str] = {**SERVICE_REASONS, **INGEST_REASONS, **SEARCH_REASONS}

#: a placeholder: balanced braces, not doubled
_PLACEHOLDER = re.compile(r"(?<!\{)\{(?!\{)((?:[^{}]|\{[^{}]*\})+)\}(?!\})")


@dataclass(frozen=True)
class _Template:
    pattern: re.Pattern[str]
    slots: tuple[str, ...]
    french: str


def in_french(text: str) -> str:
    """The French of a reason; its own text when no template matches it."""
    exact = CATALOGUE.get(text.replace("{", "{{").replace("}", "}}"))
    if exact is not None:
        return _unescaped(exact)
    for template in _templates():
        match = template.pattern.fullmatch(text)
        if match:
            values = {slot: _value(slot, match[f"s{i}"]) for i, slot in enumerate(template.slots)}
            return _unescaped(_PLACEHOLDER.sub(partial(_slot_value, values), template.french))
    return text


def placeholders(template: str) -> set[str]:
    return set(_PLACEHOLDER.findall(template))


def _value(slot: str, value: str) -> str:
    # A quoted name (!r) reads « like this » in French; a reason within a reason is
    # translated too ("the page could not be read: {error}"): the value is shorter than
    # the text it came from, so this ends.
    quoted = len(value) >= 2 and value[0] == value[-1] and value[0] in "'\""
    if quoted and (slot.endswith("!r") or "!r:" in slot):
        return f"« {value[1:-1]} »"
    return in_french(value) if value else value


def _slot_value(values: dict[str, str], match: re.Match[str]) -> str:
    return values[match[1]]


def _unescaped(text: str) -> str:
    return text.replace("{{", "{").replace("}}", "}")


@cache
def _templates() -> list[_Template]:
    """The templates with placeholders, the most specific (most literal text) first, so
    that "no user named {x}" is tried before "no {kind} named {x}"."""
    compiled = []
    for english, french in CATALOGUE.items():
        slots = tuple(_PLACEHOLDER.findall(english))
        literal = _PLACEHOLDER.split(english)[::2]
        if not slots or not "".join(literal).strip():
            continue  # a text that is all placeholder ("{exc}") says nothing to translate
        pattern = "".join(
            re.escape(_unescaped(part)) + (f"(?P<s{i}>.+?)" if i < len(slots) else "")
            for i, part in enumerate(literal)
        )
        compiled.append(
            (sum(map(len, literal)), _Template(re.compile(pattern, re.S), slots, french))
        )
    return [template for _, template in sorted(compiled, key=lambda pair: -pair[0])]
