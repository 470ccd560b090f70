"""/api/v1/search and /api/v1/documents/{id}/similar: the search index, filtered by the ACL."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import request

from ged.access import Principal
from ged.web.api.inputs import parse_positive_int
from ged.web.context import principal, settings
from search.client import client_for
from search.searching import search_documents, similar

bp = APIBlueprint("search", __name__, url_prefix="/api/v1", tag="Search")

#: query-string parameters that are not filters
_NOT_FILTERS = {"q", "sort", "page", "size"}


@bp.get("/search")
@bp.doc(
    summary="Search the documents the caller may read",
    description='`q`: words, "exact phrases", -exclusions, prefixes type:, unit:, tag:. '
    "Filters: document_type, unit, tag, mime_type (repeatable), date_from, date_to "
    "(YYYY-MM-DD). `sort`: relevance or date. `page`, `size`.",
)
def search():
    args = request.args
    filters = {
        name: values if len(values) > 1 else values[0]
        for name, values in args.lists()
        if name not in _NOT_FILTERS
    }
    client = client_for(settings().opensearch)
    try:
        return search_documents(
            client,
            settings().opensearch.index_prefix,
            q=args.get("q", ""),
            acl=_acl(principal()),
            filters=filters,
            sort=args.get("sort", "relevance"),
            page=parse_positive_int(args.get("page"), "page") or 1,
            size=parse_positive_int(args.get("size"), "size") or 20,
        )
    finally:
        client.close()


@bp.get("/documents/<int:document_id>/similar")
@bp.doc(summary="Readable documents like this one (more like this)")
def similar_documents(document_id: int):
    size = parse_positive_int(request.args.get("size"), "size") or 10
    client = client_for(settings().opensearch)
    try:
        hits = similar(
            client,
            settings().opensearch.index_prefix,
            document_id,
            _acl(principal()),
            size=min(size, 50),
        )
    finally:
        client.close()
    return {"hits": hits}


def _acl(caller: Principal) -> list[str] | None:
    """Archive roles search everything; everyone else only what grants let them read."""
    return None if caller.sees_everything else caller.acl_keys
