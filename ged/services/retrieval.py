"""Finding documents in the search index as the caller: their ACL filters every query, and
every search is audited. (The index itself, and how queries are built, is ``search``'s.)"""

from __future__ import annotations

from typing import Any

from ged.access import Principal, index_acl
from ged.audit.chain import record
from ged.uow import UnitOfWork


def search(
    uow: UnitOfWork,
    principal: Principal,
    *,
    q: str,
    filters: dict[str, Any],
    sort: str,
    page: int,
    size: int,
) -> dict[str, Any]:
    """The design's search answer; the query, its filters and the hit count are audited."""
    result = uow.index.search(
        q=q, acl=index_acl(principal), filters=filters, sort=sort, page=page, size=size
    )
    record(
        uow.session,
        principal,
        "search",
        details={"q": q, "filters": filters, "hits": result["total"]},
    )
    uow.commit()
    return result


def similar_documents(
    uow: UnitOfWork, principal: Principal, document_id: int, size: int
) -> list[dict[str, Any]]:
    """Readable documents like this one (DocumentNotFound when it cannot be read, or is
    not indexed yet); the look-up is audited with its hit count."""
    hits = uow.index.similar(document_id, index_acl(principal), size)
    record(
        uow.session,
        principal,
        "document.similar",
        object_type="document",
        object_id=document_id,
        details={"hits": len(hits)},
    )
    uow.commit()
    return hits
