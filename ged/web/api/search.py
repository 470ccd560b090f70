"""/api/v1/search and /api/v1/documents/{id}/similar: the search index, filtered by the ACL."""

from __future__ import annotations

from apiflask import APIBlueprint
from flask import request

from ged.parsing import positive_int
from ged.services.retrieval import search, similar_documents
from ged.web.context import principal, uow

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
def search_view():
    args = request.args
    filters = {
        name: values if len(values) > 1 else values[0]
        for name, values in args.lists()
        if name not in _NOT_FILTERS
    }
    return search(
        uow(),
        principal(),
        q=args.get("q", ""),
        filters=filters,
        sort=args.get("sort", "relevance"),
        page=positive_int(args.get("page"), "page") or 1,
        size=positive_int(args.get("size"), "size") or 20,
    )


@bp.get("/documents/<int:document_id>/similar")
@bp.doc(summary="Readable documents like this one (more like this)")
def similar_view(document_id: int):
    size = min(positive_int(request.args.get("size"), "size") or 10, 50)
    return {"hits": similar_documents(uow(), principal(), document_id, size)}
