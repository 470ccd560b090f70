"""The client a process shares keeps a connection open per thread and node."""

from __future__ import annotations

from search.client import make_client


def test_the_client_keeps_pool_size_connections_open_per_node(opensearch_cluster_urls):
    client = make_client(opensearch_cluster_urls, pool_size=8)
    try:
        nodes = client.transport.connection_pool.connections
        # urllib3's queue of idle connections: one smaller than the threads sharing the
        # client closes a connection after most requests (the option's name is easy to
        # get wrong: opensearch-py ignores an unknown one).
        assert [node.pool.pool.maxsize for node in nodes] == [8, 8, 8]
    finally:
        client.close()
