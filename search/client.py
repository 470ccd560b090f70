"""The OpenSearch client, built from plain values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import OpenSearchException
from urllib3 import Timeout

from search.errors import SearchUnavailable

#: seconds to open a connection: a node that takes longer is taken for dead and the request
#: goes to the next one, instead of waiting the whole read timeout on each dead node
CONNECT_TIMEOUT = 2.0
#: seconds a node that failed is left out before it is tried again (doubled on each new
#: failure): short, so that a restarted node takes its share of requests again soon
DEAD_TIMEOUT = 5.0
#: the readiness check's read timeout
HEALTH_TIMEOUT = 5.0


def make_client(
    urls: Sequence[str],
    *,
    timeout: float = 10.0,
    username: str = "",
    password: str = "",
    verify_certs: bool = True,
    pool_size: int = 10,
) -> OpenSearch:
    """A client of the cluster at ``urls`` (its nodes, or one address in front of them).

    ``pool_size`` connections are kept open per node: one client is shared by the
    threads of a web server, and a smaller pool would reconnect on most requests.

    A request that cannot reach a node (refused, reset, not connected within
    CONNECT_TIMEOUT) or that the node answers 502, 503 or 504 is sent to the next node,
    each node tried at most once, and the failed node is left out for DEAD_TIMEOUT. A
    read timeout is not retried: the query was slow, not the node gone, and running it
    again elsewhere would double the load and the wait. So a request waits at most
    len(urls) x CONNECT_TIMEOUT + ``timeout`` seconds, whatever the cluster's state."""
    auth = (username, password) if username else None
    return OpenSearch(
        hosts=list(urls),
        http_auth=auth,
        timeout=_timeout(timeout),
        verify_certs=verify_certs,
        max_retries=len(urls) - 1,
        retry_on_timeout=False,
        retry_on_status=(502, 503, 504),
        dead_timeout=DEAD_TIMEOUT,
        pool_maxsize=pool_size,  # urllib3's, per node: opensearch-py ignores a plain maxsize
    )


def _timeout(read: float) -> Timeout:
    # urllib3's own: opensearch-py hands it to the connection pool as it is.
    return Timeout(connect=min(CONNECT_TIMEOUT, read), read=read)


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
        health = client.cluster.health(request_timeout=_timeout(HEALTH_TIMEOUT))
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
