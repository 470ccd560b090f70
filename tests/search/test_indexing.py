"""Writing to a real OpenSearch: the index behind its alias, revisions, deletions, failures."""

import pytest

from search.client import make_client
from search.errors import IndexingFailed, SearchUnavailable
from search.index import MAPPING_VERSION, alias_name, current_index, ensure_index
from search.indexing import delete_documents, index_documents
from search.searching import search_documents
from tests.search.conftest import make_document


def found(client, prefix, q):
    result = search_documents(client, prefix, q=q, acl=None)
    return [hit["id"] for hit in result["hits"]]


def test_the_first_write_creates_a_versioned_index_behind_the_alias(
    opensearch_client, prefix, index
):
    index(make_document(1, "Texte"))
    name = current_index(opensearch_client, prefix)
    assert name == f"{prefix}-documents-v1"
    mapping = opensearch_client.indices.get_mapping(index=alias_name(prefix))[name]["mappings"]
    assert mapping["_meta"] == {"mapping_version": MAPPING_VERSION}
    assert mapping["properties"]["pages"]["type"] == "nested"
    assert mapping["properties"]["pages"]["properties"]["text"]["index_options"] == "offsets"
    assert ensure_index(opensearch_client, prefix) == name


def test_a_newer_revision_replaces_the_text(opensearch_client, prefix, index):
    first = make_document(1, "Ancien texte sur la voirie", revision=100)
    index(first)
    assert index(
        {**first, "revision": 200, "pages": [{"number": 1, "text": "Nouveau texte sur l'eau"}]}
    ) == {
        "indexed": 1,
        "stale": 0,
    }
    assert found(opensearch_client, prefix, "eau") == [1]
    assert found(opensearch_client, prefix, "voirie") == []


def test_an_older_revision_never_overwrites_a_newer_one(opensearch_client, prefix, index):
    newer = make_document(1, "Texte actuel", revision=200)
    index(newer)
    assert index(make_document(1, "Texte périmé", revision=100)) == {"indexed": 0, "stale": 1}
    assert found(opensearch_client, prefix, "actuel") == [1]
    assert found(opensearch_client, prefix, "périmé") == []


def test_writing_the_same_revision_again_is_harmless(opensearch_client, prefix, index):
    document = make_document(1, "Texte", revision=100)
    index(document)
    assert index(document) == {"indexed": 1, "stale": 0}
    assert opensearch_client.count(index=alias_name(prefix))["count"] == 1


def test_a_deletion_removes_the_document_unless_a_newer_revision_is_indexed(
    opensearch_client, prefix, index
):
    index(make_document(1, "Premier", revision=100), make_document(2, "Second", revision=300))
    counts = delete_documents(opensearch_client, prefix, [(1, 101), (2, 200), (3, 1)], refresh=True)
    assert counts == {"deleted": 2, "stale": 1}
    assert found(opensearch_client, prefix, "premier") == []
    assert found(opensearch_client, prefix, "second") == [2]


def test_a_document_opensearch_refuses_raises_indexing_failed_naming_it(
    opensearch_client, prefix, index
):
    index(make_document(1, "Correct"))
    with pytest.raises(IndexingFailed, match="document 2: .*document_date") as caught:
        index(make_document(2, "Date impossible", document_date="2026-13-45"))
    assert list(caught.value.failures) == [2]


def test_an_unreachable_opensearch_raises_search_unavailable(prefix):
    client = make_client(["http://127.0.0.1:9"], timeout=2)
    with pytest.raises(SearchUnavailable):
        index_documents(client, prefix, [make_document(1, "Texte")])
