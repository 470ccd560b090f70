"""Notes (avis) in a real OpenSearch: note: finds words in the notes only, the full text
finds them too, and an index built before notes existed is upgraded in place."""

import pytest

from search.engine import SearchEngine
from search.errors import IndexingFailed
from search.index import (
    IN_PLACE_VERSION,
    MAPPINGS,
    alias_name,
    current_index,
    index_settings,
    upgrade_mapping,
    without_phrase_fields,
)
from search.indexing import index_documents
from search.searching import search_documents
from tests.search.conftest import make_document


def found(client, prefix, q, acl=("user:1",)):
    result = search_documents(client, prefix, q=q, acl=list(acl))
    return sorted(hit["id"] for hit in result["hits"])


def test_note_prefix_finds_the_notes_words_and_full_text_finds_them_too(
    opensearch_client, prefix, index
):
    index(
        make_document(1, "Arrêté de circulation", notes=["Avis favorable du service voirie"]),
        make_document(2, "Le service a rendu un avis favorable sur le texte."),
        make_document(3, "Autre chose", notes=["Réservé : à revoir"], acl=["user:2"]),
    )
    assert found(opensearch_client, prefix, "note:favorables") == [1]
    assert found(opensearch_client, prefix, 'note:"service voirie"') == [1]
    assert found(opensearch_client, prefix, "favorable") == [1, 2]
    assert found(opensearch_client, prefix, "favorable -note:voirie") == [2]
    # the ACL still filters: the note of a document one may not read finds nothing
    assert found(opensearch_client, prefix, "note:revoir") == []
    assert found(opensearch_client, prefix, "note:revoir", acl=("user:2",)) == [3]


def test_an_index_of_the_first_mapping_is_upgraded_in_place_to_take_notes(
    opensearch_client, prefix, settings
):
    # Version 1 had neither the notes nor the word pairs of the pages (version 3).
    old = {**without_phrase_fields(MAPPINGS), "_meta": {"mapping_version": 1}}
    old["properties"] = {k: v for k, v in old["properties"].items() if k != "notes"}
    name = f"{alias_name(prefix)}-v1"
    body = {"settings": index_settings(), "mappings": old, "aliases": {alias_name(prefix): {}}}
    opensearch_client.indices.create(index=name, body=body)
    with pytest.raises(IndexingFailed, match="strict"):
        index_documents(opensearch_client, prefix, [make_document(1, "x", notes=["avis"])])

    engine = SearchEngine(settings.opensearch.urls, prefix)
    try:
        # the first write of a process upgrades the mapping, then writes
        engine.index([make_document(1, "Texte", notes=["Avis réservé"])], refresh=True)
    finally:
        engine.close()
    mapping = opensearch_client.indices.get_mapping(index=name)[name]["mappings"]
    # as far as fields can be added in place; the word pairs need `ged reindex`
    assert mapping["_meta"] == {"mapping_version": IN_PLACE_VERSION}
    assert mapping["properties"]["notes"]["analyzer"] == "french_text"
    assert found(opensearch_client, prefix, "note:reserve") == [1]
    assert upgrade_mapping(opensearch_client, prefix) == []
    assert current_index(opensearch_client, prefix) == name
