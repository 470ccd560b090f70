"""Request bodies sent to OpenSearch, built from checked parameters: no I/O here.

Scoring, per word or phrase of q, each one required somewhere in the document:

- matches on the stemmed text and on the exact (unstemmed) sub-field both score,
  so the word as typed ranks above its other forms; the title counts triple;
- an extracted identifier (SIRET, IBAN, reference, amount) equal to the word
  scores high, so "73282932000074" puts the document that carries it first;
- a fuzzy match (OCR errors: "rnunicipal") only widens what is found and scores
  exactly zero, so it can never lift a document above one that matches as typed.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from search.indexing import compact
from search.query import (
    MAX_RESULT_WINDOW,
    Filters,
    ParsedQuery,
    Term,
    check_filters,
    check_paging,
    parse_query,
)

TITLE_BOOST = 3.0
IDENTIFIER_BOOST = 10.0
# Edits allowed: none under 5 letters, one from 5, two from 9 ("municipal"/"rnunicipal").
# Lucene's default (AUTO = 3,6) lets short words match too many others.
FUZZINESS = "AUTO:5,9"
HIGHLIGHTED_PAGES = 3
# Highlight fragments are cut around this many characters.
FRAGMENT_SIZE = 160
FACET_SIZE = 50
# Hits are counted up to here only: past it the total is a lower bound ("plus de
# 10 000"), which spares counting every match of a frequent word; no page past it can
# be asked for anyway.
TOTAL_BOUND = MAX_RESULT_WINDOW
HIT_FIELDS = ["id", "title", "document_type", "unit", "document_date"]
# Like-text sent for "similar": enough to pick the document's distinctive words.
SIMILAR_TEXT_CHARS = 20_000
# An amount as typed in the search box: "1234", "1234,5", "1234.56".
_AMOUNT = re.compile(r"\d{1,12}(?:[.,]\d{1,2})?")


def search_request(
    *,
    q: str,
    acl: Sequence[str] | None,
    filters: dict[str, Any],
    sort: str,
    page: int,
    size: int,
    exact_total: bool = False,
) -> tuple[ParsedQuery, dict[str, Any]]:
    """Check the search parameters (InvalidQuery if wrong); return q parsed and the body.

    The total is counted up to TOTAL_BOUND unless ``exact_total``.
    """
    check_paging(sort, page, size)
    query = parse_query(q)
    body = build_search_body(
        query, acl=acl, filters=check_filters(filters), sort=sort, page=page, size=size
    )
    if exact_total:
        body["track_total_hits"] = True
    return query, body


def build_search_body(
    query: ParsedQuery,
    *,
    acl: Sequence[str] | None,
    filters: Filters,
    sort: str,
    page: int,
    size: int,
) -> dict[str, Any]:
    must = [_term_clause(term) for term in query.include]
    must += [_any(_note_clauses(term)) for term in query.notes]
    # Pages for the highlights: exact matches only, see _pages_with_highlights.
    on_pages = [clause for term in query.include for clause in _page_clauses(term, fuzzy=False)]
    should = [_pages_with_highlights(on_pages, {"pages.text": {}})] if on_pages else []
    must_not = [_exclusion_clause(term) for term in query.exclude]
    must_not += [{"match_phrase": {"notes": term.text}} for term in query.excluded_notes]
    must_not += [_keyword_filter(name, values) for name, values in query.excluded_fields.items()]
    body: dict[str, Any] = {
        "query": {
            "bool": {
                "must": must,
                "should": should,
                "must_not": must_not,
                "filter": _filter_clauses(query, acl, filters),
            }
        },
        "from": (page - 1) * size,
        "size": size,
        "sort": _sort(sort),
        "track_total_hits": TOTAL_BOUND,
        "_source": HIT_FIELDS,
        "aggs": _facets(),
    }
    return body


def build_similar_body(
    document_id: int, title: str, text: str, *, acl: Sequence[str] | None, size: int
) -> dict[str, Any]:
    """More-like-this on the title and the pages, over documents the caller may read."""
    tuning = {
        "min_term_freq": 1,
        # A term found only in the document itself says nothing about the others.
        "min_doc_freq": 2,
        "max_query_terms": 30,
        "minimum_should_match": "20%",
    }
    return {
        "query": {
            "bool": {
                "should": [
                    {"more_like_this": {"fields": ["title"], "like": title, **tuning}},
                    {
                        "nested": {
                            "path": "pages",
                            "score_mode": "max",
                            "query": {
                                "more_like_this": {
                                    "fields": ["pages.text"],
                                    "like": text[:SIMILAR_TEXT_CHARS],
                                    **tuning,
                                }
                            },
                        }
                    },
                ],
                "minimum_should_match": 1,
                "must_not": [{"ids": {"values": [str(document_id)]}}],
                "filter": readable_filter(acl),
            }
        },
        "size": size,
        "_source": HIT_FIELDS,
    }


def readable_filter(acl: Sequence[str] | None) -> list[dict[str, Any]]:
    """What the caller may see: active documents granted to one of its principals.

    ``acl=None`` (admins, archivists) drops the principals clause, never the status one.
    An empty list matches nothing, as it should: deny by default.
    """
    clauses: list[dict[str, Any]] = [{"term": {"status": "active"}}]
    if acl is not None:
        clauses.append({"terms": {"acl": list(acl)}})
    return clauses


def build_highlight_body(
    query: ParsedQuery, document_ids: Sequence[int], *, acl: Sequence[str] | None
) -> dict[str, Any]:
    """Pages and highlights of hits found only through fuzzy matches (OCR errors), which
    the search itself does not highlight: a second request, for those few documents."""
    on_pages = [clause for term in query.include for clause in _page_clauses(term, fuzzy=True)]
    # The exact sub-field finds phrases through its word pairs (index_phrases), which the
    # highlighter cannot map back to the text: it marks nothing. A slop of one makes the
    # phrase walk positions again, for the highlight only (the documents are already
    # found by the phrase itself).
    marked = [
        clause for term in query.include for clause in _page_clauses(term, fuzzy=True, slop=1)
    ]
    highlighted = {"pages.text.exact": {"highlight_query": _any(marked)}}
    return {
        "query": {
            "bool": {
                # The exact sub-field holds the fuzzy matches (and stop-word phrases).
                "must": [_pages_with_highlights(on_pages, highlighted)],
                "filter": [
                    {"ids": {"values": [str(i) for i in document_ids]}},
                    *readable_filter(acl),
                ],
            }
        },
        "size": len(document_ids),
        "_source": ["id"],
    }


def _term_clause(term: Term) -> dict[str, Any]:
    """The clause requiring ``term`` somewhere in the document."""
    title = [
        {"match_phrase": {"title": {"query": term.text, "boost": TITLE_BOOST}}},
        {"match_phrase": {"title.exact": {"query": term.text, "boost": TITLE_BOOST}}},
    ]
    identifiers: list[dict[str, Any]] = []
    if not term.phrase:
        if _may_be_misread(term.text):
            title.append(_zero_score(_fuzzy("title.exact", term.text)))
        identifiers = [
            {"term": {"identifiers": {"value": value, "boost": IDENTIFIER_BOOST}}}
            for value in _identifier_forms(term.text)
        ]
    pages = _any(_page_clauses(term, fuzzy=True))
    nested = {"nested": {"path": "pages", "score_mode": "max", "query": pages}}
    return _any([*title, nested, *_note_clauses(term), *identifiers])


def _note_clauses(term: Term) -> list[dict[str, Any]]:
    """``term`` in one of the notes: stemmed, and as typed (which scores more)."""
    return [
        {"match_phrase": {"notes": term.text}},
        {"match_phrase": {"notes.exact": term.text}},
    ]


def _page_clauses(term: Term, *, fuzzy: bool, slop: int = 0) -> list[dict[str, Any]]:
    # match_phrase rather than match: a single token is the same query, and a word the
    # analyser splits ("2026-0412", "Jean-Pierre") must keep its parts together.
    def phrase(field: str, text: str) -> dict[str, Any]:
        return {"match_phrase": {field: {"query": text, "slop": slop} if slop else text}}

    clauses = [phrase("pages.text", term.text), phrase("pages.text.exact", term.text)]
    if not term.phrase:
        if term.printed:
            clauses.append(phrase("pages.text.exact", term.printed))
        if fuzzy and _may_be_misread(term.text):
            clauses.append(_zero_score(_fuzzy("pages.text.exact", term.text)))
    return clauses


def _exclusion_clause(term: Term) -> dict[str, Any]:
    """-word excludes its other forms too (stemmed field), and an identifier equal to it."""
    clauses: list[dict[str, Any]] = [
        {"match_phrase": {"title": term.text}},
        {"nested": {"path": "pages", "query": {"match_phrase": {"pages.text": term.text}}}},
        {"match_phrase": {"notes": term.text}},
    ]
    if not term.phrase:
        clauses += [{"term": {"identifiers": value}} for value in _identifier_forms(term.text)]
    return _any(clauses)


def _pages_with_highlights(
    clauses: list[dict[str, Any]], fields: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """Pages matching any of ``clauses``, as inner hits with highlighted ``fields``
    (field name: its highlight options).

    In the search it is an optional clause scoring nothing (score_mode none): it only
    names, for each hit, the best pages and the fragments to show. It leaves fuzzy
    matches out because they cost the most there: inner hits and the highlighter
    run once per hit and each rebuilds the Levenshtein automata (measured on 100,000
    documents: 60 ms instead of 200 ms for three words). The rare hits left without
    highlights get them from build_highlight_body.
    The text is HTML-escaped so that a document cannot inject markup into the page.
    """
    return {
        "nested": {
            "path": "pages",
            "score_mode": "none",
            "query": _any(clauses),
            "inner_hits": {
                "name": "pages",
                "size": HIGHLIGHTED_PAGES,
                "_source": False,
                "docvalue_fields": ["pages.number"],
                "highlight": {
                    "type": "unified",
                    "encoder": "html",
                    "pre_tags": ["<mark>"],
                    "post_tags": ["</mark>"],
                    "fragment_size": FRAGMENT_SIZE,
                    "number_of_fragments": 1,
                    "fields": fields,
                },
            },
        }
    }


def _filter_clauses(
    query: ParsedQuery, acl: Sequence[str] | None, filters: Filters
) -> list[dict[str, Any]]:
    clauses = readable_filter(acl)
    # A q prefix and a filter parameter on the same field must both hold.
    for keywords in (query.fields, filters.keywords):
        clauses += [_keyword_filter(name, values) for name, values in keywords.items()]
    if filters.date_from or filters.date_to:
        bounds: dict[str, str] = {}
        # Rounded to whole days: date_to includes the documents of that day.
        if filters.date_from:
            bounds["gte"] = f"{filters.date_from.isoformat()}||/d"
        if filters.date_to:
            bounds["lte"] = f"{filters.date_to.isoformat()}||/d"
        clauses.append({"range": {"date": bounds}})
    return clauses


def _keyword_filter(name: str, values: Sequence[str]) -> dict[str, Any]:
    # The folded sub-field ignores case and accents; mime_type has none and is lower case.
    field = name if name == "mime_type" else f"{name}.folded"
    return {"terms": {field: list(values)}}


def _sort(sort: str) -> list[dict[str, Any]]:
    # The id ends every sort so that ties always come in the same order and pages
    # neither repeat nor skip documents.
    if sort == "date":
        return [{"date": "desc"}, {"id": "desc"}]
    return [{"_score": "desc"}, {"date": "desc"}, {"id": "desc"}]


def _facets() -> dict[str, Any]:
    return {
        "document_type": {"terms": {"field": "document_type", "size": FACET_SIZE}},
        "unit": {"terms": {"field": "unit", "size": FACET_SIZE}},
        "tags": {"terms": {"field": "tags", "size": FACET_SIZE}},
        "mime_type": {"terms": {"field": "mime_type", "size": FACET_SIZE}},
        "year": {
            "date_histogram": {
                "field": "date",
                "calendar_interval": "year",
                "format": "yyyy",
                "min_doc_count": 1,
            }
        },
    }


def _any(clauses: list[dict[str, Any]]) -> dict[str, Any]:
    return {"bool": {"should": clauses, "minimum_should_match": 1}}


def _fuzzy(field: str, text: str) -> dict[str, Any]:
    # prefix_length 0: OCR misreads the first letters as often as the others ("rn" for "m").
    return {
        "match": {
            field: {"query": text, "fuzziness": FUZZINESS, "prefix_length": 0, "operator": "and"}
        }
    }


def _zero_score(clause: dict[str, Any]) -> dict[str, Any]:
    return {"constant_score": {"filter": clause, "boost": 0.0}}


def _may_be_misread(text: str) -> bool:
    # Digits are identifiers, dates, amounts: a near miss there is another one, not a typo.
    return not any(character.isdigit() for character in text)


def _identifier_forms(text: str) -> list[str]:
    """How an identifier equal to ``text`` is stored: without spaces; amounts as 1234.50."""
    forms = [compact(text)]
    if _AMOUNT.fullmatch(text):
        amount = str(Decimal(text.replace(",", ".")).quantize(Decimal("0.01")))
        if amount not in forms:
            forms.append(amount)
    return forms
