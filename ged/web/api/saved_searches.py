"""/api/v1/saved-searches: searches kept under a name, each counted for the caller."""

from __future__ import annotations

from apiflask import APIBlueprint

from ged.services import saved_searches as service
from ged.web.api.contract import errors
from ged.web.api.schemas.saved_searches import (
    NewSavedSearch,
    SavedSearchEdit,
    SavedSearchList,
    SavedSearchOut,
    search_from,
)
from ged.web.context import principal, uow

bp = APIBlueprint(
    "saved_searches", __name__, url_prefix="/api/v1/saved-searches", tag="Saved searches"
)


@bp.get("")
@bp.output(SavedSearchList, description="each with the count of what the caller may read")
@bp.doc(summary="One's saved searches and those shared with one's groups", responses=errors(403))
def list_saved_searches():
    found = service.list_saved_searches(uow(), principal())
    return SavedSearchList(saved_searches=[SavedSearchOut.of(one) for one in found])


@bp.post("")
@bp.input(NewSavedSearch, location="json")
@bp.output(SavedSearchOut, status_code=201, description="saved, with its count for the caller")
@bp.doc(
    summary="Save a search under a name, optionally shared with one of one's groups",
    responses=errors(400, 403, 415, 422, conflict="one's own saved search has that name already"),
)
def create_saved_search(json_data: NewSavedSearch):
    search = search_from(json_data.search)
    shown = service.create_saved_search(uow(), principal(), json_data.name, search, json_data.group)
    return SavedSearchOut.of(shown), 201


@bp.get("/<int:saved_id>")
@bp.output(SavedSearchOut, description="with its count for the caller")
@bp.doc(summary="One saved search (one's own or one's group's)", responses=errors(403, 404))
def read_saved_search(saved_id: int):
    return SavedSearchOut.of(service.read_saved_search(uow(), principal(), saved_id))


@bp.patch("/<int:saved_id>")
@bp.input(SavedSearchEdit, location="json")
@bp.output(SavedSearchOut, description="as it now is")
@bp.doc(
    summary="Rename, change or share one's own saved search",
    description="A search shared with one's group by someone else is refused (403).",
    responses=errors(
        400, 403, 404, 415, 422, conflict="one's own saved search has that name already"
    ),
)
def update_saved_search(saved_id: int, json_data: SavedSearchEdit):
    shown = service.update_saved_search(
        uow(),
        principal(),
        saved_id,
        name=json_data.name,
        search=search_from(json_data.search) if json_data.search else None,
        group=json_data.group,
        fields=frozenset(json_data.model_fields_set),
    )
    return SavedSearchOut.of(shown)


@bp.delete("/<int:saved_id>")
@bp.output({}, status_code=204, description="deleted")
@bp.doc(summary="Delete one's own saved search", responses=errors(403, 404))
def delete_saved_search(saved_id: int):
    service.delete_saved_search(uow(), principal(), saved_id)
    return ""
