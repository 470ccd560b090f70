"""The search box language and the parameter checks, without OpenSearch."""

from datetime import date

import pytest

from search.errors import InvalidQuery
from search.query import (
    MAX_RESULT_WINDOW,
    Term,
    check_filters,
    check_paging,
    parse_query,
)


def test_words_phrases_and_exclusions_are_told_apart():
    parsed = parse_query('arrêtés "conseil municipal" -stationnement -"voie publique"')
    assert parsed.include == (Term("arrêtés"), Term("conseil municipal", phrase=True))
    assert parsed.exclude == (Term("stationnement"), Term("voie publique", phrase=True))


def test_field_prefixes_become_filters_and_values_of_one_field_are_alternatives():
    parsed = parse_query('Type:facture type:devis unit:"Affaires générales" -tag:brouillon eau')
    assert parsed.fields == {
        "document_type": ("facture", "devis"),
        "unit": ("Affaires générales",),
    }
    assert parsed.excluded_fields == {"tags": ("brouillon",)}
    assert parsed.include == (Term("eau"),)


def test_an_unknown_prefix_is_an_ordinary_word():
    assert parse_query("objet:subvention").include == (Term("objet:subvention"),)


def test_an_empty_query_searches_everything():
    parsed = parse_query("   ")
    assert (parsed.include, parsed.exclude, parsed.fields) == ((), (), {})


def test_stop_words_are_dropped_unless_they_are_all_there_is():
    assert parse_query("arrêté de la circulation").include == (
        Term("arrêté"),
        Term("circulation"),
    )
    assert parse_query("de la").include == (Term("de"), Term("la"))
    assert parse_query('"arrêté de la"').include == (Term("arrêté de la", phrase=True),)


def test_lone_dashes_and_punctuation_are_ignored():
    assert parse_query("arrêté - & … circulation").include == (Term("arrêté"), Term("circulation"))


def test_a_word_glued_to_a_quote_is_split_from_the_phrase():
    assert parse_query('avis"enquête publique"').include == (
        Term("avis"),
        Term("enquête publique", phrase=True),
    )


def test_a_siret_typed_in_groups_is_joined():
    parsed = parse_query("facture 732 829 320 00074")
    assert parsed.include == (
        Term("facture"),
        Term("73282932000074", printed="732 829 320 00074"),
    )


def test_a_siren_typed_in_groups_is_joined():
    assert parse_query("732 829 320").include == (Term("732829320", printed="732 829 320"),)


def test_an_iban_typed_in_groups_is_joined_where_its_checksum_ends():
    parsed = parse_query("FR76 3000 6000 0112 3456 7890 189 taxe")
    assert parsed.include == (
        Term("FR7630006000011234567890189", printed="FR76 3000 6000 0112 3456 7890 189"),
        Term("taxe"),
    )


def test_numbers_that_make_no_identifier_stay_apart():
    assert parse_query("2024 2025").include == (Term("2024"), Term("2025"))
    assert parse_query("FR76 3000").include == (Term("FR76"), Term("3000"))


def test_an_unbalanced_quote_says_where_the_phrase_starts():
    with pytest.raises(InvalidQuery, match="character 8 is never closed") as caught:
        parse_query('arrêté "conseil municipal')
    assert caught.value.field == "q"


def test_a_prefix_without_a_value_says_how_to_write_it():
    with pytest.raises(InvalidQuery, match="type: needs a value.*type:facture"):
        parse_query("type: facture")


def test_absurdly_long_queries_are_refused():
    with pytest.raises(InvalidQuery, match="at most 1000"):
        parse_query("a" * 1001)
    with pytest.raises(InvalidQuery, match="40 words or phrases; at most 32"):
        parse_query(" ".join(f"mot{n}" for n in range(40)))


def test_filters_accept_one_value_or_several_and_ignore_empty_ones():
    filters = check_filters(
        {
            "document_type": "facture",
            "tag": ["eau", "assainissement"],
            "unit": None,
            "mime_type": "",
            "date_from": "2026-01-01",
            "date_to": date(2026, 12, 31),
        }
    )
    assert filters.keywords == {"document_type": ("facture",), "tags": ("eau", "assainissement")}
    assert (filters.date_from, filters.date_to) == (date(2026, 1, 1), date(2026, 12, 31))


def test_an_unknown_filter_is_named_with_the_known_ones():
    with pytest.raises(
        InvalidQuery, match="unknown filter 'author'; the filters are document_type"
    ) as caught:
        check_filters({"author": "Dupont"})
    assert caught.value.field == "author"


@pytest.mark.parametrize(
    ("filters", "message"),
    [
        ({"date_from": "12/03/2026"}, "date_from must be a date written YYYY-MM-DD"),
        ({"date_from": "2026-03-12", "date_to": "2026-01-01"}, "is after date_to"),
        ({"unit": 3}, "unit must be a text value"),
        ({"tag": ["eau", ""]}, "tag must be a text value"),
    ],
)
def test_wrong_filter_values_are_explained(filters, message):
    with pytest.raises(InvalidQuery, match=message):
        check_filters(filters)


@pytest.mark.parametrize(
    ("sort", "page", "size", "field", "message"),
    [
        ("pertinence", 1, 20, "sort", "sort must be one of relevance, date"),
        ("relevance", 0, 20, "page", "page must be a whole number from 1"),
        ("relevance", True, 20, "page", "page must be a whole number"),
        ("relevance", 1, 0, "size", "size must be a whole number from 1"),
        ("relevance", 1, 101, "size", "size must be at most 100"),
        ("relevance", 501, 20, "page", f"only the first {MAX_RESULT_WINDOW} results"),
    ],
)
def test_absurd_paging_is_refused(sort, page, size, field, message):
    with pytest.raises(InvalidQuery, match=message) as caught:
        check_paging(sort, page, size)
    assert caught.value.field == field


def test_the_last_reachable_page_is_accepted():
    check_paging("date", MAX_RESULT_WINDOW // 20, 20)


def test_note_prefix_takes_words_and_phrases_for_the_notes_only():
    parsed = parse_query('note:favorable note:"sous réserve" -note:refus voirie')
    assert parsed.include == (Term("voirie"),)
    assert parsed.notes == (Term("favorable"), Term("sous réserve", phrase=True))
    assert parsed.excluded_notes == (Term("refus"),)
    assert parsed.fields == {}


def test_a_note_prefix_without_a_value_says_how_to_write_it():
    with pytest.raises(InvalidQuery, match="note: needs a value"):
        parse_query("note: favorable")
