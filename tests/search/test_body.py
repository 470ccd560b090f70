"""What is sent to OpenSearch, checked without sending it."""

import json

import pytest

from search.body import TOTAL_BOUND, build_highlight_body, build_similar_body, search_request
from search.query import parse_query


def body(q="", acl=("user:4", "group:2"), filters=None, sort="relevance", page=1, size=20):
    _, sent = search_request(
        q=q,
        acl=list(acl) if acl is not None else None,
        filters=filters or {},
        sort=sort,
        page=page,
        size=size,
    )
    return sent


def clauses_on(tree, key):
    """Every value under ``key`` anywhere in the body."""
    found = []
    if isinstance(tree, dict):
        for name, value in tree.items():
            if name == key:
                found.append(value)
            found += clauses_on(value, key)
    elif isinstance(tree, list):
        for item in tree:
            found += clauses_on(item, key)
    return found


def test_the_callers_principals_always_filter_and_only_active_documents_show():
    filters = body("arrêté")["query"]["bool"]["filter"]
    assert {"terms": {"acl": ["user:4", "group:2"]}} in filters
    assert {"term": {"status": "active"}} in filters


def test_no_principals_clause_for_those_who_see_everything_and_none_matches_for_nobody():
    assert clauses_on(body("arrêté", acl=None), "acl") == []
    assert {"terms": {"acl": []}} in body("arrêté", acl=())["query"]["bool"]["filter"]


def test_the_facets_are_computed_inside_the_filtered_query():
    sent = body("arrêté")
    assert "post_filter" not in sent
    assert set(sent["aggs"]) == {"document_type", "unit", "tags", "year", "mime_type"}


def test_every_word_and_phrase_is_required():
    must = body('arrêté "conseil municipal" circulation')["query"]["bool"]["must"]
    assert len(must) == 3
    assert all(clause["bool"]["minimum_should_match"] == 1 for clause in must)


def test_fuzzy_matches_score_nothing_and_never_apply_to_numbers():
    sent = body("municipal 2026")
    fuzzy_word, number = sent["query"]["bool"]["must"]
    wrapped = clauses_on(fuzzy_word, "constant_score")
    assert wrapped and all(clause["boost"] == 0 for clause in wrapped)
    assert all(clauses_on(clause, "fuzziness") for clause in wrapped)
    assert clauses_on(number, "fuzziness") == []


def test_phrases_are_matched_in_order_and_never_fuzzily():
    phrase = body('"conseil municipal"')["query"]["bool"]["must"][0]
    assert clauses_on(phrase, "fuzziness") == []
    assert {"match_phrase": {"pages.text.exact": "conseil municipal"}} in clauses_on(
        phrase, "should"
    )[1]


def test_an_identifier_is_looked_up_as_stored_and_amounts_in_both_notations():
    assert {"value": "73282932000074", "boost": 10.0} in clauses_on(
        body("732 829 320 00074"), "identifiers"
    )
    values = {clause["value"] for clause in clauses_on(body("1234,5"), "identifiers")}
    assert values == {"1234,5", "1234.50"}


def test_highlights_come_from_one_optional_clause_that_scores_nothing_and_skips_fuzziness():
    should = body("arrêté circulation")["query"]["bool"]["should"]
    assert len(should) == 1
    nested = should[0]["nested"]
    assert nested["score_mode"] == "none"
    assert clauses_on(nested, "fuzziness") == []
    highlight = nested["inner_hits"]["highlight"]
    assert (highlight["pre_tags"], highlight["post_tags"], highlight["encoder"]) == (
        ["<mark>"],
        ["</mark>"],
        "html",
    )
    assert nested["inner_hits"]["docvalue_fields"] == ["pages.number"]


def test_hits_left_without_highlights_get_them_with_fuzzy_matches_in_a_second_request():
    sent = build_highlight_body(parse_query("municipal"), [3, 9], acl=["user:4"])
    assert sent["query"]["bool"]["filter"][0] == {"ids": {"values": ["3", "9"]}}
    assert {"terms": {"acl": ["user:4"]}} in sent["query"]["bool"]["filter"]
    (nested,) = clauses_on(sent, "nested")
    assert clauses_on(nested["query"], "fuzziness")
    assert set(nested["inner_hits"]["highlight"]["fields"]) == {"pages.text.exact"}


def test_exclusions_and_excluded_prefixes_go_to_must_not():
    must_not = body("arrêté -stationnement -type:note")["query"]["bool"]["must_not"]
    assert {"terms": {"document_type.folded": ["note"]}} in must_not
    assert "stationnement" in json.dumps(must_not)


def test_prefixes_and_filter_parameters_both_apply():
    filters = body("type:facture", filters={"document_type": "devis", "unit": "Voirie"})["query"][
        "bool"
    ]["filter"]
    assert {"terms": {"document_type.folded": ["facture"]}} in filters
    assert {"terms": {"document_type.folded": ["devis"]}} in filters
    assert {"terms": {"unit.folded": ["Voirie"]}} in filters


def test_date_bounds_cover_whole_days():
    filters = body(filters={"date_from": "2026-01-01", "date_to": "2026-03-31"})["query"]["bool"][
        "filter"
    ]
    assert {"range": {"date": {"gte": "2026-01-01||/d", "lte": "2026-03-31||/d"}}} in filters


@pytest.mark.parametrize("sort", ["relevance", "date"])
def test_every_sort_ends_with_the_id_so_pages_never_overlap(sort):
    assert body(sort=sort)["sort"][-1] == {"id": "desc"}


def test_pages_are_windows_of_the_sorted_results():
    sent = body(page=3, size=25)
    assert (sent["from"], sent["size"]) == (50, 25)


def test_hits_are_counted_up_to_the_bound_unless_the_exact_count_is_asked():
    assert body()["track_total_hits"] == TOTAL_BOUND
    _, exact = search_request(
        q="", acl=None, filters={}, sort="date", page=1, size=1, exact_total=True
    )
    assert exact["track_total_hits"] is True


def test_similar_excludes_the_document_itself_and_what_the_caller_may_not_read():
    sent = build_similar_body(7, "Arrêté", "texte", acl=["user:4"], size=5)["query"]["bool"]
    assert {"ids": {"values": ["7"]}} in sent["must_not"]
    assert {"terms": {"acl": ["user:4"]}} in sent["filter"]
