"""Searching the index as the caller: their ACL filters every query, and searches are audited."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from ged.access import Principal
from ged.audit.chain import record_access
from ged.config import OpenSearchSettings
from search.client import client_for
from search.searching import search_documents, similar


def acl_of(principal: Principal) -> list[str] | None:
    """Archive roles search everything; everyone else only what grants let them read."""
    return None if principal.sees_everything else principal.acl_keys


def search(
    session: Session,
    principal: Principal,
    options: OpenSearchSettings,
    *,
    q: str,
    filters: dict[str, Any],
    sort: str,
    page: int,
    size: int,
) -> dict[str, Any]:
    """The design's search answer; the query, its filters and the hit count are audited."""
    client = client_for(options)
    try:
        result = search_documents(
            client,
            options.index_prefix,
            q=q,
            acl=acl_of(principal),
            filters=filters,
            sort=sort,
            page=page,
            size=size,
        )
    finally:
        client.close()
    record_access(
        session, principal, "search", details={"q": q, "filters": filters, "hits": result["total"]}
    )
    return result


def similar_documents(
    principal: Principal, options: OpenSearchSettings, document_id: int, size: int
) -> list[dict[str, Any]]:
    """Readable documents like this one (DocumentNotFound when it cannot be read)."""
    client = client_for(options)
    try:
        return similar(client, options.index_prefix, document_id, acl_of(principal), size=size)
    finally:
        client.close()
