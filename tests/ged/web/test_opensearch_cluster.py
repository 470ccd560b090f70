"""ged on the 3-node test OpenSearch cluster: the loss of a node (SIGKILL) costs no search
and no indexing, and the node comes back by itself; with every node down, a search answers
503 at once."""

from __future__ import annotations

import json

import pytest

from search.client import make_client
from search.index import ensure_index
from tests.apiclient import serve
from tests.cluster import primary_node_url, replicas, wait_for_green
from tests.migrated import migrate
from tests.processes import free_port, run_worker_burst
from tests.services import ensure_opensearch_cluster, kill_opensearch_node

SEARCH = "/api/v1/search?q=stationnement"


@pytest.fixture
def cluster(make_settings, opensearch_cluster_urls):
    """A client of the cluster, the test's index prefix, and the test's indices deleted after."""
    prefix = make_settings().opensearch.index_prefix
    client = make_client(opensearch_cluster_urls)
    yield client, prefix
    client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
    client.close()


def upload(api, numbers):
    ids = []
    for n in numbers:
        text = f"Arrêté numéro {n} portant réglementation du stationnement rue de la Gare."
        response = api.upload(text.encode(), f"arrete-{n}.txt", unit="Urbanisme")
        assert response.status_code == 202, response.json
        ids.append(response.json["id"])
    run_worker_burst(api.settings)
    return ids


def test_a_node_killed_loses_no_search_and_no_indexing_and_rejoins(
    make_settings, cluster, opensearch_cluster_urls
):
    client, prefix = cluster
    # ged's own index, made before the app so that the app's first URL can be the node that
    # will hold its primary: the node killed below is both.
    index = ensure_index(client, prefix)
    assert wait_for_green(client, index)["status"] == "green"
    assert replicas(client, index) == 1
    victim = primary_node_url(client, index)
    urls = [victim, *(url for url in opensearch_cluster_urls if url != victim)]
    settings = make_settings(opensearch={"urls": json.dumps(urls), "index_prefix": prefix})
    migrate(settings.database.url)
    for api in serve(settings):
        ids = upload(api, range(4))
        assert api.get(SEARCH).json["total"] == 4

        kill_opensearch_node(victim)
        try:
            for _ in range(10):  # round robin: the dead node's turn comes in every three
                response = api.get(SEARCH)
                assert response.status_code == 200, response.json
                assert response.json["total"] == 4
            ids += upload(api, range(4, 7))
            statuses = [api.get(f"/api/v1/documents/{id_}").json for id_ in ids]
            assert [(doc["status"], doc["error"]) for doc in statuses] == [("done", None)] * 7
            assert api.get(SEARCH).json["total"] == 7
            assert api.client.get("/readyz").status_code == 200  # yellow is ready
        finally:
            ensure_opensearch_cluster()  # restarts the killed node, for the next tests too

        assert wait_for_green(client, index)["status"] == "green"
        assert api.get(SEARCH).json["total"] == 7


def test_with_every_node_down_a_search_answers_503(make_settings):
    dead = [f"http://127.0.0.1:{free_port()}" for _ in range(3)]
    settings = make_settings(opensearch={"urls": json.dumps(dead)})
    migrate(settings.database.url)
    for api in serve(settings):
        response = api.get(SEARCH)
        assert response.status_code == 503
        assert response.mimetype == "application/problem+json"
        assert "opensearch" in response.json["detail"].lower()
        ready = api.client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json["checks"]["opensearch"]["ok"] is False
