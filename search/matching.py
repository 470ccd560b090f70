"""Where a query's words are on a page: the word boxes OCR found to mark on the page's
image, or the spans of a page's text to mark, for the document page's viewer.

The index stems French words and ignores accents and case; this does less, and on
purpose no more than the eye would: a word matches a query word when, accents and
case aside, it is that word or starts with it ("délibération" marks "Délibérations").
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

from search.errors import InvalidQuery
from search.query import STOP_WORDS, parse_query

#: what separates words in a page's text (letters, digits and inner apostrophes are words)
_WORD = re.compile(r"\w+(?:['’]\w+)*")
_PIECE = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case without accents: the form words are compared in."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(character for character in decomposed if not unicodedata.combining(character))


def query_words(q: str) -> tuple[str, ...]:
    """The words to look for on the page: those of the query's terms, phrases included,
    folded; none for a query that does not parse (the page is shown unmarked)."""
    try:
        parsed = parse_query(q)
    except InvalidQuery:
        return ()
    words = []
    for term in parsed.include:
        for word in _WORD.findall(term.text):
            if term.phrase or word.lower() not in STOP_WORDS:
                words.append(fold(word))
    return tuple(dict.fromkeys(words))


def matches(word: str, words: Sequence[str]) -> bool:
    """Whether a word of the page is one of ``words`` (folded): elisions apart, so that
    "l'Arrêté" is "arrêté"."""
    pieces = _PIECE.findall(fold(word))
    return any(piece.startswith(wanted) for piece in pieces for wanted in words)


def marked_boxes(boxes: Sequence[Sequence[object]] | None, words: Sequence[str]) -> list[list]:
    """The word boxes ([x0, y0, x1, y1, "word"]) of the words to mark."""
    if not words or not boxes:
        return []
    return [list(box) for box in boxes if len(box) == 5 and matches(str(box[4]), words)]


def marked_spans(text: str, words: Sequence[str]) -> list[tuple[str, bool]]:
    """The text cut into pieces, each with whether it is a word to mark."""
    if not words:
        return [(text, False)]
    pieces: list[tuple[str, bool]] = []
    start = 0
    for found in _WORD.finditer(text):
        if matches(found.group(), words):
            if found.start() > start:
                pieces.append((text[start : found.start()], False))
            pieces.append((found.group(), True))
            start = found.end()
    if start < len(text):
        pieces.append((text[start:], False))
    return pieces
