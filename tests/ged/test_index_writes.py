"""A write to the search index is searchable at the next search, from any process, with no
refresh per write: writes are counted in Redis (workers.index_writes) and a search that
finds some not covered asks OpenSearch for one refresh first (ged.search_index)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from ged.search_index import OpenSearchIndex
from search.index import alias_name
from tests.processes import free_port
from tests.search.conftest import make_document
from workers.index_writes import RedisIndexWrites
from workers.queue import redis_client

QUERY = {"acl": None, "filters": {}, "sort": "relevance", "page": 1, "size": 20}


@pytest.fixture
def open_index(settings) -> Iterator:
    """OpenSearchIndex as a process builds it: its own OpenSearch client and Redis counts
    (on the test's Redis, or on ``redis_url``)."""
    opened = []

    def build(redis_url: str = settings.redis.url) -> OpenSearchIndex:
        opened.append(OpenSearchIndex(settings.opensearch, writes(settings, redis_url)))
        return opened[-1]

    yield build
    for index in opened:
        index.close()


def writes(settings, redis_url: str) -> RedisIndexWrites:
    return RedisIndexWrites(settings, redis_client(redis_url))


def refreshes(opensearch_client, settings) -> int:
    """Refreshes asked for through the API, as OpenSearch counts them."""
    stats = opensearch_client.indices.stats(index=alias_name(settings.opensearch.index_prefix))
    return stats["_all"]["primaries"]["refresh"]["external_total"]


def test_a_write_is_found_by_the_next_search_of_another_process(open_index):
    worker, web = open_index(), open_index()
    for number in range(1, 6):
        worker.index([make_document(number, f"Arrêté numéro {number} sur la voirie")])
        assert web.search(q="voirie", **QUERY)["total"] == number
    worker.delete([(1, 2_000_000_000_000_000)])
    assert web.search(q="voirie", **QUERY)["total"] == 4


def test_a_search_with_nothing_new_asks_for_no_refresh(open_index, opensearch_client, settings):
    worker, web = open_index(), open_index()
    worker.index([make_document(1, "Délibération du conseil municipal")])
    # No periodic refresh: every refresh counted is one asked for by a search.
    opensearch_client.indices.put_settings(
        index=alias_name(settings.opensearch.index_prefix), body={"refresh_interval": "-1"}
    )
    assert web.search(q="conseil", **QUERY)["total"] == 1
    before = refreshes(opensearch_client, settings)
    for _ in range(5):
        assert web.search(q="conseil", **QUERY)["total"] == 1
    assert refreshes(opensearch_client, settings) == before
    # many writes, one refresh for the search after them
    worker.index([make_document(number, "Délibération du conseil") for number in range(2, 12)])
    for number in range(12, 20):
        worker.index([make_document(number, "Délibération du conseil")])
    assert web.search(q="conseil", **QUERY)["total"] == 19
    assert refreshes(opensearch_client, settings) == before + 1


def test_without_redis_a_write_is_searchable_at_once(open_index, settings):
    closed = f"redis://127.0.0.1:{free_port()}/0"
    worker, web = open_index(closed), open_index(closed)
    for number in range(1, 3):
        worker.index([make_document(number, "Permis de construire")])
        assert web.search(q="permis", **QUERY)["total"] == number


def test_a_search_that_cannot_read_the_counts_refreshes_first(open_index, settings):
    worker, web = open_index(), open_index(f"redis://127.0.0.1:{free_port()}/0")
    worker.index([make_document(1, "Permis de construire")])
    assert web.search(q="permis", **QUERY)["total"] == 1
