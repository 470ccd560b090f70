"""Phrases on the pages, served by the word pairs indexed for them (index_phrases):
what a new index sends to Lucene, what it finds and highlights, and an index built
before the pairs existed, which keeps answering until it is rebuilt."""

from search import index as definition
from search.body import search_request
from search.index import alias_name
from search.searching import search_documents
from tests.search.conftest import make_document

PAGES = [
    "Le permis de construire est accordé pour l'extension de la maison.",
    "Construire sans permis de démolir : de construire il n'est pas question.",
]


def lucene_query(client, prefix, q):
    """The query Lucene runs for q, as OpenSearch explains it after rewriting."""
    _, body = search_request(q=q, acl=None, filters={}, sort="relevance", page=1, size=20)
    answer = client.indices.validate_query(
        index=alias_name(prefix), body={"query": body["query"]}, explain=True, rewrite=True
    )
    return " ".join(part["explanation"] for part in answer["explanations"])


def found(client, prefix, q):
    return search_documents(client, prefix, q=q, acl=None)["hits"]


def test_a_phrase_on_the_pages_is_looked_up_by_its_word_pairs(
    opensearch_client, prefix, index, caplog
):
    index(make_document(1, PAGES[0]))
    with caplog.at_level("WARNING", logger="search.index"):
        assert definition.upgrade_mapping(opensearch_client, prefix) == []
    assert caplog.records == []  # nothing to rebuild
    explained = lucene_query(opensearch_client, prefix, '"permis de construire"')
    assert 'pages.text.exact._index_phrase:"permis de de construire"' in explained
    # a single word has no pair to look up
    assert "_index_phrase" not in lucene_query(opensearch_client, prefix, "permis")


def test_a_phrase_found_by_its_pairs_keeps_its_order_and_is_highlighted(
    opensearch_client, prefix, index
):
    index(make_document(1, PAGES[0]), make_document(2, PAGES[1]))
    (hit,) = found(opensearch_client, prefix, '"permis de construire"')
    assert hit["id"] == 1
    assert hit["highlights"] == [
        {
            "page": 1,
            "fragment": "Le <mark>permis</mark> de <mark>construire</mark> est accordé pour "
            "l&#x27;extension de la maison.",
        }
    ]


def test_an_index_without_word_pairs_is_left_as_is_and_still_finds_phrases(
    opensearch_client, prefix, index, caplog
):
    # As `ged` before version 3 built it: upgrade_mapping cannot add the pairs to a live
    # field (OpenSearch refuses), so it must not try; the phrases are found all the same.
    old = {
        **definition.without_phrase_fields(definition.MAPPINGS),
        "_meta": {"mapping_version": definition.IN_PLACE_VERSION},
    }
    name = f"{alias_name(prefix)}-v1"
    body = {
        "settings": definition.index_settings(),
        "mappings": old,
        "aliases": {alias_name(prefix): {}},
    }
    opensearch_client.indices.create(index=name, body=body)
    with caplog.at_level("WARNING", logger="search.index"):
        assert definition.upgrade_mapping(opensearch_client, prefix) == []
    assert [record.getMessage() for record in caplog.records] == [
        f"search index {name} has mapping version 2, not 3: phrases are found without "
        "their indexed word pairs (slower) until `ged reindex`"
    ]
    index(make_document(1, PAGES[0]), make_document(2, PAGES[1]))
    assert definition.current_index(opensearch_client, prefix) == name
    assert "_index_phrase" not in lucene_query(opensearch_client, prefix, '"permis de construire"')
    assert [hit["id"] for hit in found(opensearch_client, prefix, '"permis de construire"')] == [1]


def test_a_phrase_highlighted_by_the_second_request_is_still_marked(
    opensearch_client, prefix, index
):
    # Sorted by date, a phrase of stop words (found on the exact field only) gets its
    # highlights from build_highlight_body, whose highlighter cannot read word pairs.
    index(make_document(1, "Le permis de la maison est accordé."))
    result = search_documents(opensearch_client, prefix, q='"de la"', acl=None, sort="date")
    assert result["hits"][0]["highlights"] == [
        {"page": 1, "fragment": "Le permis <mark>de</mark> <mark>la</mark> maison est accordé."}
    ]
