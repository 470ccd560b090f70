"""The index on the 3-node test cluster: one replica, green, and a rebuild keeps it so."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from opensearchpy import OpenSearch

from search.client import make_client
from search.index import current_index
from search.indexing import index_documents
from search.reindex import reindex
from search.searching import search_documents
from tests.cluster import replicas, wait_for_green
from tests.search.conftest import make_document


@pytest.fixture
def cluster_client(opensearch_cluster_urls: list[str], prefix: str) -> Iterator[OpenSearch]:
    client = make_client(opensearch_cluster_urls)
    yield client
    client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
    client.close()


def corpus() -> list[dict]:
    return [make_document(n, f"Arrêté municipal numéro {n}") for n in range(1, 6)]


def test_the_index_gets_a_replica_and_a_rebuild_restores_it(cluster_client, prefix):
    index_documents(cluster_client, prefix, corpus(), refresh=True)
    first = current_index(cluster_client, prefix)
    assert first is not None
    assert wait_for_green(cluster_client, first)["status"] == "green"
    assert replicas(cluster_client, first) == 1

    # The rebuild loads its index without replicas (bulk_load) and must give them back.
    rebuilt = reindex(cluster_client, prefix, iter(corpus()), total=5)["index"]

    assert rebuilt != first and current_index(cluster_client, prefix) == rebuilt
    assert wait_for_green(cluster_client, rebuilt)["status"] == "green"
    assert replicas(cluster_client, rebuilt) == 1
    found = search_documents(cluster_client, prefix, q="arrêté", acl=["user:1"])
    assert found["total"] == 5
