"""Which words of a page the viewer marks for a query: pure logic, no index."""

from __future__ import annotations

from search.matching import marked_boxes, marked_spans, query_words


def test_query_words_are_folded_and_keep_phrases_but_not_filters_exclusions_or_stop_words():
    assert query_words('Délibération "arrêté municipal" -budget type:facture de la') == (
        "deliberation",
        "arrete",
        "municipal",
    )


def test_a_query_that_does_not_parse_marks_nothing():
    assert query_words("x" * 2000) == ()
    assert marked_spans("Délibération", ()) == [("Délibération", False)]


def test_a_word_is_marked_when_it_is_the_query_word_or_starts_with_it_whatever_its_accents():
    boxes = [
        [0.1, 0.1, 0.3, 0.12, "Délibérations"],
        [0.31, 0.1, 0.4, 0.12, "du"],
        [0.1, 0.2, 0.3, 0.22, "(ARRETE)"],
        [0.1, 0.3, 0.3, 0.32, "préarrêté"],
    ]
    assert marked_boxes(boxes, query_words("délibération arrêté")) == [boxes[0], boxes[2]]
    assert marked_boxes(None, query_words("arrêté")) == []


def test_a_text_layer_is_cut_into_marked_and_unmarked_pieces_that_join_back_to_it():
    text = "Vu la délibération n° 12 ; l'Arrêté du maire."
    pieces = marked_spans(text, query_words("arrete deliberation"))
    assert "".join(piece for piece, _ in pieces) == text
    assert [piece for piece, marked in pieces if marked] == ["délibération", "l'Arrêté"]
