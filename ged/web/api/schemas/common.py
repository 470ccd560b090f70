"""Shapes shared by every resource: the base models, problems, pages of a list."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, BeforeValidator, ConfigDict, Field, StrictInt
from pydantic.json_schema import SkipJsonSchema

from ged.parsing import MAX_ID

#: the most items one page of any list holds
MAX_PAGE_SIZE = 100

#: a database id: what the path converters bound and what inputs accept
Id = Annotated[int, Field(ge=1, le=MAX_ID)]


#: the same in a JSON body, where a number must be a number (not "1" or true)
StrictId = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


def integral(values: Any) -> Any:
    """JSON Schema counts 3.0 as an integer, pydantic's strict int does not: a list's
    integral numbers as ints, for a ``mode="before"`` validator (which, unlike an
    annotation, leaves the bounds in the description)."""
    if not isinstance(values, list):
        return values
    return [int(v) if isinstance(v, float) and v.is_integer() else v for v in values]


#: a name of something ged keeps (unit, group, user, tag, type code)
Name = Annotated[str, Field(min_length=1, max_length=200)]
#: ISO 8601 time in UTC, as ged writes them
Timestamp = Annotated[str, Field(json_schema_extra={"format": "date-time"})]
Day = Annotated[str, Field(json_schema_extra={"format": "date"})]

_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _day_text(value: Any) -> Any:
    # Only the written form: pydantic would also take 0 or 1.5 as seconds since 1970.
    if isinstance(value, date) or (isinstance(value, str) and _DAY.fullmatch(value)):
        return value
    raise ValueError("must be a date written YYYY-MM-DD")


def _moment_text(value: Any) -> Any:
    if isinstance(value, str) and _DAY.match(value) and "T" in value.upper():
        return value
    raise ValueError("must be an ISO 8601 time with its offset, e.g. 2026-05-26T08:00:00Z")


def _without_null_default(schema: dict[str, Any]) -> None:
    if "default" in schema and schema["default"] is None:
        del schema["default"]


def Absent(**constraints: Any) -> Any:  # noqa: N802 - reads as a field's default
    """An optional field whose type has no null (a form field, a title): when not sent it is
    None, and the description does not claim null as its default."""
    return Field(None, json_schema_extra=_without_null_default, **constraints)


#: a day in inputs: YYYY-MM-DD, nothing else
IsoDate = Annotated[date, BeforeValidator(_day_text)]
#: a moment in inputs: ISO 8601 with its offset
IsoMoment = Annotated[AwareDatetime, BeforeValidator(_moment_text)]


class Input(BaseModel):
    """A request's fields: an unknown one is refused, not ignored (a misspelt filter
    silently dropped would answer another question than the one asked)."""

    model_config = ConfigDict(extra="forbid")


class Output(BaseModel):
    """An answer: exactly the declared fields, so the description cannot drift from it."""

    model_config = ConfigDict(extra="forbid")


class FieldError(Output):
    field: str = Field(description="the field, dotted for nested ones (grants.0.permission)")
    location: str = Field(description="body, query or path")
    detail: str


class Problem(BaseModel):
    """RFC 9457 problem details: every error ged answers."""

    model_config = ConfigDict(
        extra="allow",
        json_schema_extra={
            "examples": [
                {
                    "type": "about:blank",
                    "title": "Bad Request",
                    "status": 400,
                    "detail": "invalid body: tags: Input should be a valid list",
                    "field": "tags",
                    "errors": [
                        {
                            "field": "tags",
                            "location": "body",
                            "detail": "Input should be a valid list",
                        }
                    ],
                }
            ]
        },
    )

    type: str = "about:blank"
    title: str
    status: int
    detail: str = Field(description="what went wrong and what to do, for people")
    field: str | None = Field(None, description="the first bad field, when one is to blame")
    errors: list[FieldError] | None = Field(None, description="every bad field")
    second_factor: Literal["code", "enrolment"] | None = Field(
        None,
        description="on login: the account's second-factor code is missing or wrong (code), "
        "or its role requires a second factor it has not set up in the web UI (enrolment)",
    )


class PageQuery(Input):
    page: int = Field(1, ge=1, le=MAX_ID, description="from 1")
    size: int = Field(20, ge=1, le=MAX_PAGE_SIZE, description=f"items per page, 1-{MAX_PAGE_SIZE}")


class Paged(Output):
    """Every list answers one page and says how many there are in all; the ``Link``
    header carries the first, previous, next and last pages."""

    total: int
    page: int
    size: int


class Preconditions(Input):
    """Conditional requests (RFC 9110): change the resource only as it was read."""

    if_match: Annotated[str, Field(max_length=100)] | SkipJsonSchema[None] = Absent(
        description='the ETag read (e.g. "3"): 412 if the resource changed since; '
        "without it, concurrent changes apply one after the other",
    )
