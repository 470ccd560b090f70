"""Looking at the test OpenSearch cluster from outside ged: where a shard lives, its health."""

from __future__ import annotations

from typing import Any

from opensearchpy import OpenSearch


def primary_node_url(client: OpenSearch, index: str) -> str:
    """The HTTP URL of the node holding the primary of ``index``'s one shard."""
    (primary,) = [
        shard
        for shard in client.cat.shards(index=index, format="json")
        if shard["prirep"] == "p" and shard["state"] == "STARTED"
    ]
    nodes = client.nodes.info(node_id="_all", metric="http")["nodes"]
    (address,) = [
        node["http"]["publish_address"]
        for node in nodes.values()
        if node["name"] == primary["node"]
    ]
    return f"http://{address}"


def wait_for_green(client: OpenSearch, index: str, nodes: int = 3) -> dict[str, Any]:
    """The index's health once it is green on ``nodes`` nodes, or as it is after a minute."""
    health: dict[str, Any] = client.cluster.health(
        index=index,
        params={"wait_for_status": "green", "wait_for_nodes": str(nodes), "timeout": "60s"},
        request_timeout=70,
    )
    return health


def replicas(client: OpenSearch, index: str) -> int:
    settings = client.indices.get_settings(index=index, name="index.number_of_replicas")
    return int(settings[index]["settings"]["index"]["number_of_replicas"])
