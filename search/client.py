"""The OpenSearch client, built from plain values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import OpenSearchException

from search.errors import SearchUnavailable


def make_client(
    urls: Sequence[str],
    *,
    timeout: float = 10.0,
    username: str = "",
    password: str = "",
    verify_certs: bool = True,
    pool_size: int = 10,
) -> OpenSearch:
    """``pool_size`` connections are kept open per node: one client is shared by the
    threads of a web server, and a smaller pool would reconnect on most requests."""
    auth = (username, password) if username else None
    return OpenSearch(
        hosts=list(urls),
        http_auth=auth,
        timeout=timeout,
        verify_certs=verify_certs,
        max_retries=0,
        retry_on_timeout=False,
        maxsize=pool_size,
    )


def client_for(options: Any) -> OpenSearch:
    """A client from an object with the [opensearch] settings' attributes."""
    return make_client(
        options.urls,
        timeout=options.timeout,
        username=options.username,
        password=options.password,
        verify_certs=options.verify_certs,
    )


def check_cluster(client: OpenSearch) -> str:
    """Return the cluster health colour; raise SearchUnavailable when it is red or silent."""
    try:
        health = client.cluster.health(request_timeout=5)
    except OpenSearchException as exc:
        raise SearchUnavailable(_describe(exc)) from None
    status = health.get("status", "unknown")
    if status == "red":
        raise SearchUnavailable("cluster health is red")
    return status


def _describe(exc: OpenSearchException) -> str:
    info = getattr(exc, "info", None)
    if isinstance(info, Exception):
        return str(info).splitlines()[0]
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__
