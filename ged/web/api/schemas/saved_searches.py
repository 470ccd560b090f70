"""Saved searches: a name, the search's parameters, and its count for the caller."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator
from pydantic.json_schema import SkipJsonSchema

from ged.services.saved_searches import MAX_NAME, Search, Shown, search_of
from ged.timeutil import iso
from ged.web.api.schemas.common import Absent, Input, Name, Output, Timestamp
from ged.web.api.schemas.search import SearchParameters

SearchName = Annotated[str, Field(min_length=1, max_length=MAX_NAME)]
_LISTS = ("document_type", "unit", "tag", "mime_type")


def search_from(parameters: SearchParameters) -> Search:
    return Search(parameters.q, parameters.filters(), parameters.sort)


def parameters_of(search: Search) -> SearchParameters:
    values: dict[str, Any] = {"q": search.q, "sort": search.sort}
    for name, value in (search.filters or {}).items():
        values[name] = (
            ([value] if isinstance(value, str) else list(value)) if name in _LISTS else value
        )
    return SearchParameters.model_validate(values)


class NewSavedSearch(Input):
    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "name": "Arrêtés de circulation",
                    "search": {"q": "circulation", "document_type": ["arrete"]},
                    "group": "Voirie",
                }
            ]
        }
    }

    name: SearchName = Field(description="unique among one's own saved searches")
    search: SearchParameters = Field(description="as GET /api/v1/search takes them")
    group: Name | None = Field(None, description="a group of one's own to share it with")


class SavedSearchEdit(Input):
    """The fields to change; group null: no longer shared."""

    model_config = Input.model_config | {
        "json_schema_extra": {"minProperties": 1, "examples": [{"name": "Arrêtés 2026"}]}
    }

    name: SearchName | SkipJsonSchema[None] = Absent()
    search: SearchParameters | SkipJsonSchema[None] = Absent()
    group: Name | None = Field(None, description="a group of one's own; null: not shared")

    @model_validator(mode="after")
    def _something(self) -> SavedSearchEdit:
        if not self.model_fields_set:
            raise ValueError("send a JSON object with the fields to change")
        for name in ("name", "search"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null")
        return self


class SavedSearchOut(Output):
    id: int
    name: str
    owner: str
    group: str | None = Field(description="the group it is shared with; null: its owner's")
    own: bool = Field(description="the caller owns it: may rename, share or delete it")
    count: int | None = Field(
        description="documents it finds now for the caller, as GET /api/v1/search would "
        "answer the caller; null: the search index does not answer"
    )
    search: SearchParameters
    created_at: Timestamp
    updated_at: Timestamp

    @classmethod
    def of(cls, shown: Shown) -> SavedSearchOut:
        saved = shown.search
        return cls(
            id=saved.id,
            name=saved.name,
            owner=saved.owner.username,
            group=saved.group.name if saved.group else None,
            own=shown.own,
            count=shown.count,
            search=parameters_of(search_of(saved)),
            created_at=iso(saved.created_at),
            updated_at=iso(saved.updated_at),
        )


class SavedSearchList(Output):
    saved_searches: list[SavedSearchOut] = Field(description="one's own and one's groups', by name")
