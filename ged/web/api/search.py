"""/api/v1/search and /api/v1/documents/{id}/similar: full-text search, filtered by the ACL."""

from __future__ import annotations

from apiflask import APIBlueprint

from ged.services import retrieval
from ged.web.api.contract import errors
from ged.web.api.schemas.search import SearchQuery, SearchResult, SimilarQuery, SimilarResult
from ged.web.context import principal, uow

bp = APIBlueprint("search", __name__, url_prefix="/api/v1", tag="Search")


@bp.get("/search")
@bp.input(SearchQuery, location="query")
@bp.output(SearchResult, description="hits with highlights and page numbers, facets, total")
@bp.doc(
    summary="Search the documents the caller may read",
    description="Filters are combined; a repeated filter matches any of its values.",
    responses=errors(400, 503),
)
def search(query_data: SearchQuery):
    return retrieval.search(
        uow(),
        principal(),
        q=query_data.q,
        filters=query_data.filters(),
        sort=query_data.sort,
        page=query_data.page,
        size=query_data.size,
    )


@bp.get("/documents/<int:document_id>/similar")
@bp.input(SimilarQuery, location="query")
@bp.output(SimilarResult, description="readable documents like this one, best first")
@bp.doc(
    summary="Readable documents like this one (more like this)", responses=errors(400, 404, 503)
)
def similar(document_id: int, query_data: SimilarQuery):
    return {"hits": retrieval.similar_documents(uow(), principal(), document_id, query_data.size)}
