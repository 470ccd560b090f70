"""Rebuilding the index behind the alias while searches and writes go on."""

import threading

import pytest

from search.index import alias_name, current_index, next_alias_name, versioned_indices
from search.indexing import index_documents
from search.reindex import reindex
from search.searching import search_documents
from tests.search.conftest import make_document

COUNT = 1200


def corpus(start=1, count=COUNT):
    return [
        make_document(n, f"Registre des arrêtés, pièce {n}") for n in range(start, start + count)
    ]


def test_searches_keep_working_during_a_rebuild_and_the_old_index_goes(
    opensearch_client, prefix, index
):
    index(*corpus())
    old = current_index(opensearch_client, prefix)
    stop = threading.Event()
    totals, failures = [], []

    def keep_searching():
        while not stop.is_set():
            try:
                totals.append(
                    search_documents(opensearch_client, prefix, q="arrêtés", acl=["user:1"])[
                        "total"
                    ]
                )
            except Exception as exc:  # noqa: BLE001 - every failure is the test's finding
                failures.append(exc)

    searcher = threading.Thread(target=keep_searching)
    searcher.start()
    progress = []
    try:
        result = reindex(
            opensearch_client,
            prefix,
            iter(corpus()),
            total=COUNT,
            progress=lambda done, total: progress.append((done, total)),
        )
    finally:
        # Keep searching a little after the swap, while the old index is deleted.
        stop.set()
        searcher.join()
    assert failures == []
    assert len(totals) > 5 and set(totals) == {COUNT}
    assert result == {"index": f"{prefix}-documents-v2", "indexed": COUNT, "stale": 0}
    assert progress[-1] == (COUNT, COUNT) and len(progress) > 1
    assert current_index(opensearch_client, prefix) == result["index"]
    assert list(versioned_indices(opensearch_client, prefix)) == [result["index"]]
    assert not opensearch_client.indices.exists(index=old)


def test_writes_made_during_a_rebuild_reach_the_new_index(opensearch_client, prefix, index):
    index(make_document(1, "Version initiale", revision=10))
    stale_snapshot = [make_document(1, "Version initiale", revision=10)]

    def rebuild_snapshot():
        # The pipeline indexes a newer revision while the rebuild replays an older one.
        index_documents(
            opensearch_client, prefix, [make_document(1, "Version corrigée", revision=20)]
        )
        index_documents(opensearch_client, prefix, [make_document(2, "Nouveau document")])
        yield from stale_snapshot

    result = reindex(opensearch_client, prefix, rebuild_snapshot())
    assert (result["indexed"], result["stale"]) == (0, 1)
    hits = search_documents(opensearch_client, prefix, q="", acl=None)["hits"]
    assert sorted(hit["id"] for hit in hits) == [1, 2]
    assert [
        h["id"] for h in search_documents(opensearch_client, prefix, q="corrigée", acl=None)["hits"]
    ] == [1]


def test_a_failed_rebuild_leaves_the_alias_where_it_was(opensearch_client, prefix, index):
    index(*corpus(count=3))
    before = current_index(opensearch_client, prefix)

    def broken():
        yield from corpus(count=2)
        raise RuntimeError("database went away")

    with pytest.raises(RuntimeError, match="database went away"):
        reindex(opensearch_client, prefix, broken())
    assert current_index(opensearch_client, prefix) == before
    assert list(versioned_indices(opensearch_client, prefix)) == [before]


def test_a_rebuild_takes_over_from_one_that_died(opensearch_client, prefix, index):
    index(*corpus(count=2))
    # What a killed rebuild leaves behind: an index behind the rebuild alias.
    opensearch_client.indices.create(
        index=f"{prefix}-documents-v2", body={"aliases": {next_alias_name(prefix): {}}}
    )
    result = reindex(opensearch_client, prefix, iter(corpus(count=2)))
    assert result["index"] == f"{prefix}-documents-v2"
    assert opensearch_client.count(index=alias_name(prefix))["count"] == 2
    assert list(versioned_indices(opensearch_client, prefix)) == [result["index"]]


def test_the_first_build_creates_the_alias(opensearch_client, prefix):
    result = reindex(opensearch_client, prefix, iter(corpus(count=3)))
    assert current_index(opensearch_client, prefix) == result["index"] == f"{prefix}-documents-v1"
    assert search_documents(opensearch_client, prefix, q="arrêtés", acl=["user:1"])["total"] == 3
