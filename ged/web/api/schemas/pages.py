"""Pages work: what a page edit, an extract and a merge take in."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictInt, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema

from ged.services.page_edits import MERGE_MAX, MERGE_MIN
from ged.web.api.schemas.common import Absent, Input, StrictId, integral
from ged.web.api.schemas.documents import Title

#: the most pages one request names (a list, or the turns), to bound the bodies
MAX_PAGES = 2000
PageNumber = Annotated[StrictInt, Field(ge=1, le=99_999)]
Pages = Annotated[list[PageNumber], Field(min_length=1, max_length=MAX_PAGES)]
#: a page number as a JSON object's key
PageKey = Annotated[str, Field(pattern=r"^[1-9][0-9]{0,4}$")]
Turn = Literal[90, 180, 270]
#: keys other than page numbers are refused, as the description says (not only ignored)
Turns = Annotated[
    dict[PageKey, Turn],
    Field(min_length=1, max_length=MAX_PAGES, json_schema_extra={"additionalProperties": False}),
]


class PagesEdit(Input):
    """Changes to the pages of the current version, numbered as in it; one new version
    is made of all of them. At least one of rotate, order, delete."""

    model_config = Input.model_config | {
        "json_schema_extra": {
            "minProperties": 1,
            "anyOf": [{"required": ["rotate"]}, {"required": ["order"]}, {"required": ["delete"]}],
            "examples": [{"rotate": {"3": 90, "4": 90}, "delete": [6], "order": [2, 1, 3, 4, 5]}],
        }
    }

    rotate: Turns | SkipJsonSchema[None] = Absent(
        description="page number → quarter turns clockwise, in degrees (90, 180 or 270)"
    )
    order: Pages | SkipJsonSchema[None] = Absent(
        description="every page kept (not deleted), each once, in the new order"
    )
    delete: Pages | SkipJsonSchema[None] = Absent(
        description="pages to leave out of the new version (not all)"
    )
    comment: str = Field("", max_length=1000, description="why; by default the changes, in French")

    _integral = field_validator("order", "delete", mode="before")(integral)

    @field_validator("rotate", mode="before")
    @classmethod
    def _integral_turns(cls, value: Any) -> Any:
        if not isinstance(value, dict):
            return value
        return dict(zip(value, integral(list(value.values())), strict=True))

    @model_validator(mode="after")
    def _something(self) -> PagesEdit:
        if self.rotate is None and self.order is None and self.delete is None:
            raise ValueError("send at least one of rotate, order or delete")
        return self


class PagesExtract(Input):
    model_config = Input.model_config | {
        "json_schema_extra": {"examples": [{"pages": [2, 3], "title": "Annexe"}]}
    }

    pages: Pages = Field(
        description="the pages of the current version to extract, in the new document's order"
    )
    title: Title | SkipJsonSchema[None] = Absent(
        description="default: the source's title and the pages"
    )

    _integral = field_validator("pages", mode="before")(integral)


class DocumentsMerge(Input):
    model_config = Input.model_config | {
        "json_schema_extra": {"examples": [{"documents": [12, 13], "title": "Dossier complet"}]}
    }

    documents: Annotated[list[StrictId], Field(min_length=MERGE_MIN, max_length=MERGE_MAX)] = Field(
        description="the documents whose current versions are merged, in this order"
    )
    title: Title | SkipJsonSchema[None] = Absent(
        description="default: the first document's title, « (fusion) »"
    )

    _integral = field_validator("documents", mode="before")(integral)
