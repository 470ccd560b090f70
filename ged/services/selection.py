"""Which documents a change is about: a list of ids, or every readable hit of a search
as GET /api/v1/search takes it. Bulk jobs and legal holds select documents this way."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from ged.access import Principal, index_acl
from ged.errors import InvalidInput
from ged.parsing import MAX_ID
from ged.uow import UnitOfWork
from search.query import MAX_PAGE_SIZE, MAX_RESULT_WINDOW

_SELECTION_SHAPE = 'selection is {"ids": [1, 2, …]} or {"search": {"q", "filters", "sort"}}'


@dataclass(frozen=True)
class Selection:
    """Documents by id, or by a search as GET /api/v1/search takes it."""

    ids: tuple[int, ...] | None = None
    q: str = ""
    filters: Mapping[str, Any] = field(default_factory=dict)
    sort: str = "relevance"

    def as_json(self) -> dict[str, Any]:
        if self.ids is not None:
            return {"ids": list(self.ids)}
        return {"search": {"q": self.q, "filters": dict(self.filters), "sort": self.sort}}


def parse_selection(value: object, bound: int) -> Selection:
    """{"ids": [...]} (at most ``bound``) or {"search": {"q", "filters", "sort"}}."""
    if not isinstance(value, Mapping) or len(value) != 1 or not {"ids", "search"} & set(value):
        raise InvalidInput(_SELECTION_SHAPE, field="selection")
    if "ids" in value:
        return Selection(ids=_ids(value["ids"], bound))
    search = value["search"]
    if not isinstance(search, Mapping) or not set(search) <= {"q", "filters", "sort"}:
        raise InvalidInput(_SELECTION_SHAPE, field="selection.search")
    q, filters, sort = (
        search.get("q", ""),
        search.get("filters", {}),
        search.get("sort", "relevance"),
    )
    if not (isinstance(q, str) and isinstance(sort, str) and isinstance(filters, Mapping)):
        raise InvalidInput(
            "a search selection has q and sort as text and filters as an object, "
            "as GET /api/v1/search takes them",
            field="selection.search",
        )
    return Selection(q=q, filters=dict(filters), sort=sort)


def _ids(value: object, bound: int) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(
        type(item) is int and 1 <= item <= MAX_ID for item in value
    ):
        raise InvalidInput("ids must be a list of document ids", field="selection.ids")
    ids = tuple(dict.fromkeys(value))
    if not ids:
        raise InvalidInput("select at least one document", field="selection.ids")
    if len(ids) > bound:
        raise InvalidInput(
            f"{len(ids)} documents are selected; a bulk change takes at most {bound} "
            "([api] bulk_max_documents): split the selection",
            field="selection.ids",
        )
    return ids


def selected_documents(
    uow: UnitOfWork, principal: Principal, selection: Selection, bound: int
) -> tuple[tuple[int, ...], int | None]:
    """The documents to change, and how many the search matched (None for ids)."""
    if selection.ids is not None:
        return selection.ids, None
    found: dict[int, None] = {}
    page, matched = 1, 0
    while len(found) < bound:
        answer = uow.index.search(
            q=selection.q,
            acl=index_acl(principal),
            filters=dict(selection.filters),
            sort=selection.sort,
            page=page,
            size=MAX_PAGE_SIZE,
            # "the first 500 of the 12,345 results": the job says how many there were.
            exact_total=True,
        )
        matched = answer["total"]
        found.update(dict.fromkeys(hit["id"] for hit in answer["hits"]))
        if page * MAX_PAGE_SIZE >= min(matched, MAX_RESULT_WINDOW) or not answer["hits"]:
            break
        page += 1
    return tuple(found)[:bound], matched


def count_selected(
    uow: UnitOfWork, principal: Principal, selection: Selection, bound: int
) -> tuple[int, int | None]:
    """How many documents ``selected_documents`` would take, and how many the search
    matched (None for ids): one small search, for a confirmation to say the count."""
    if selection.ids is not None:
        return len(selection.ids), None
    answer = uow.index.search(
        q=selection.q,
        acl=index_acl(principal),
        filters=dict(selection.filters),
        sort=selection.sort,
        page=1,
        size=1,
        exact_total=True,
    )
    matched = answer["total"]
    return min(matched, bound, MAX_RESULT_WINDOW), matched
