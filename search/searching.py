"""Searching the index: the search box, and "more like this"."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import NotFoundError, TransportError

from search.body import (
    build_highlight_body,
    build_similar_body,
    readable_filter,
    search_request,
)
from search.errors import DocumentNotIndexed, SearchUnavailable, translate_errors
from search.index import alias_name

FACETS = ("document_type", "unit", "year", "tags", "mime_type")
#: seconds a search waits for the index's shards to start before it is unavailable: a new
#: index's shard starts within one or two, a red index (every copy lost) stays red
SHARDS_WAIT = 3


def search_documents(
    client: OpenSearch,
    prefix: str,
    *,
    q: str = "",
    acl: Sequence[str] | None,
    filters: dict[str, Any] | None = None,
    sort: str = "relevance",
    page: int = 1,
    size: int = 20,
    exact_total: bool = False,
) -> dict[str, Any]:
    """Search the documents the caller may read (``acl``: its principals; None: all).

    Returns {"total", "total_is_lower_bound", "page", "size", "hits", "facets"} as in
    the design's API shapes. The total is counted up to body.TOTAL_BOUND (then
    total_is_lower_bound is true), or exactly if ``exact_total``.
    Raises InvalidQuery for parameters a person must change, SearchUnavailable when
    OpenSearch does not answer.
    """
    query, body = search_request(
        q=q,
        acl=acl,
        filters=filters or {},
        sort=sort,
        page=page,
        size=size,
        exact_total=exact_total,
    )
    answer = run_search(client, prefix, body)
    if answer is None:
        return {
            "total": 0,
            "total_is_lower_bound": False,
            "page": page,
            "size": size,
            "hits": [],
            "facets": {f: [] for f in FACETS},
        }
    hits = [_hit(hit) | {"highlights": _highlights(hit)} for hit in answer["hits"]["hits"]]
    # Hits scoring nothing matched only through fuzzy matches, which the search leaves
    # out of its highlights (see body._pages_with_highlights); they get them from a
    # second, small request. Hits that score but have none matched on their title or an
    # identifier: their pages have nothing to show. (Sorted by date, hits carry no
    # score, so every hit without highlights is asked for.)
    bare = {hit["id"]: hit for hit in hits if not hit["highlights"] and not hit["score"]}
    if bare and query.include:
        extra = run_search(client, prefix, build_highlight_body(query, list(bare), acl=acl))
        for hit in extra["hits"]["hits"] if extra else []:
            bare[hit["_source"]["id"]]["highlights"] = _highlights(hit)
    return {
        "total": answer["hits"]["total"]["value"],
        "total_is_lower_bound": answer["hits"]["total"]["relation"] == "gte",
        "page": page,
        "size": size,
        "hits": hits,
        "facets": _facets(answer["aggregations"]),
    }


def similar(
    client: OpenSearch,
    prefix: str,
    document_id: int,
    acl: Sequence[str] | None,
    *,
    size: int = 10,
) -> list[dict[str, Any]]:
    """Documents like ``document_id``, among those the caller may read, best first.

    Raises DocumentNotIndexed when the caller may not read the document itself (or it is
    not indexed), so that its existence does not leak either.
    """
    lookup = {
        "query": {
            "bool": {"filter": [{"ids": {"values": [str(document_id)]}}, *readable_filter(acl)]}
        },
        "_source": ["title", "pages.text"],
        "size": 1,
    }
    answer = run_search(client, prefix, lookup)
    if not answer or not answer["hits"]["hits"]:
        raise DocumentNotIndexed(document_id)
    source = answer["hits"]["hits"][0]["_source"]
    text = "\n".join(page["text"] for page in source.get("pages", []))
    body = build_similar_body(document_id, source["title"], text, acl=acl, size=size)
    answer = run_search(client, prefix, body)
    return [_hit(hit) for hit in answer["hits"]["hits"]] if answer else []


def run_search(client: OpenSearch, prefix: str, body: dict[str, Any]) -> dict[str, Any] | None:
    """Send a search to the read alias; None when there is no index yet (nothing indexed)."""
    with translate_errors():
        try:
            answer = _search(client, prefix, body)
        except NotFoundError as exc:
            if exc.error == "index_not_found_exception":
                return None
            raise
        except TransportError as exc:
            # Every copy of the shard failed: it is starting (an index just made by another
            # process, a replica promoted after a node's loss). Searched again once it runs.
            if exc.status_code != 503 or not _shards_start(client, prefix):
                raise
            answer = _search(client, prefix, body)
    if answer.get("timed_out"):
        raise SearchUnavailable("the search timed out")
    return answer


def _search(client: OpenSearch, prefix: str, body: dict[str, Any]) -> dict[str, Any]:
    # A failed shard must fail the search: partial results would be silently wrong totals
    # and facets.
    answer: dict[str, Any] = client.search(
        index=alias_name(prefix), body=body, params={"allow_partial_search_results": "false"}
    )
    return answer


def _shards_start(client: OpenSearch, prefix: str) -> bool:
    """Whether the index's shards are searchable within SHARDS_WAIT."""
    health = client.cluster.health(
        index=alias_name(prefix),
        params={"wait_for_status": "yellow", "timeout": f"{SHARDS_WAIT}s"},
        request_timeout=SHARDS_WAIT + 5,
        ignore=[408],  # the wait timed out: its answer says so
    )
    return not health.get("timed_out", True)


def _hit(hit: dict[str, Any]) -> dict[str, Any]:
    source = hit["_source"]
    return {
        "id": source["id"],
        "title": source["title"],
        "document_type": source.get("document_type"),
        "unit": source.get("unit"),
        "document_date": source.get("document_date"),
        "score": hit.get("_score"),
    }


def _highlights(hit: dict[str, Any]) -> list[dict[str, Any]]:
    pages = hit.get("inner_hits", {}).get("pages", {}).get("hits", {}).get("hits", [])
    highlights = []
    for page in pages:
        fragments = page.get("highlight", {})
        fragment = (fragments.get("pages.text") or fragments.get("pages.text.exact") or [None])[0]
        if fragment:
            highlights.append({"page": page["fields"]["pages.number"][0], "fragment": fragment})
    return highlights


def _facets(aggregations: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    facets = {
        name: [
            {"value": bucket["key"], "count": bucket["doc_count"]}
            for bucket in aggregations[name]["buckets"]
        ]
        for name in ("document_type", "unit", "tags", "mime_type")
    }
    # Years as numbers, most recent first.
    facets["year"] = [
        {"value": int(bucket["key_as_string"]), "count": bucket["doc_count"]}
        for bucket in reversed(aggregations["year"]["buckets"])
    ]
    return {name: facets[name] for name in FACETS}
