"""How the API's declared schemas read requests: pydantic models through APIFlask's
``@input``, with every value of a repeated parameter kept, and errors that name each field.

Imported by every API module before it declares a view: APIFlask picks the adapter when
``@input`` decorates, so ours must be registered by then.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

from apiflask import HTTPError
from apiflask.schema_adapters import registry
from apiflask.schema_adapters.pydantic import PydanticAdapter
from flask import Request
from pydantic import BaseModel, ValidationError
from werkzeug.datastructures import MultiDict

#: how pydantic names a member of a union in an error's path (``function-before[…]``)
_MEMBER = re.compile(r"[\[\](),]")
#: where an input lives -> what the error's ``location`` says
_LOCATIONS = {"json": "body", "files": "body", "query": "query", "headers": "header"}


class GedPydanticAdapter(PydanticAdapter):
    """APIFlask's pydantic adapter keeps one value per query or form key (a repeated
    ``tags`` would silently lose all but the first) and answers 422 with errors keyed by
    location; ged keeps lists whole and answers 400 problem+json naming each field."""

    def validate_input(self, request: Request, location: str, **kwargs: Any) -> BaseModel:
        data: Any
        if location == "json":
            data = _json_body(request)
        elif location == "query":
            data = _fields(self.model_class, request.args)
        elif location == "headers":
            # Only the headers the model declares: requests carry many others.
            data = {
                name: request.headers[header]
                for name in self.model_class.model_fields
                if (header := name.replace("_", "-")) in request.headers
            }
        elif location == "files":
            if request.mimetype != "multipart/form-data":
                raise HTTPError(415, "send the file as multipart/form-data, in a part named 'file'")
            data = _fields(self.model_class, request.form)
            data.update(_fields(self.model_class, request.files))
        else:
            raise ValueError(f"ged declares no input in {location!r}")
        try:
            return self.model_class.model_validate(data)
        except ValidationError as exc:
            raise invalid_fields(exc, _LOCATIONS[location]) from None


def invalid_fields(exc: ValidationError, location: str) -> HTTPError:
    """One 400 naming every bad field, its place in the request and what is wrong."""
    errors: list[dict[str, str]] = []
    found_errors = exc.errors(include_url=False)
    # "Input should be None" is the null branch of an optional field: the other says why.
    found_errors = [e for e in found_errors if e["type"] != "none_required"] or found_errors
    for error in found_errors:
        found = {"field": _field(error["loc"]), "location": location, "detail": _detail(error)}
        if found not in errors:  # each member of a union says the same of its field
            errors.append(found)
    summary = "; ".join(f"{error['field']}: {error['detail']}" for error in errors)
    return HTTPError(
        400,
        f"invalid {location}: {summary}",
        detail=errors,
        extra_data={"field": errors[0]["field"]},
    )


#: pydantic's words for a kind of error, where people need to know the expected form
_EXPECTED = {
    "date_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_parsing": "must be a date written YYYY-MM-DD",
    "date_from_datetime_inexact": "must be a date written YYYY-MM-DD",
    "datetime_parsing": "must be an ISO 8601 time with its offset, e.g. 2026-05-26T08:00:00Z",
    "datetime_from_date_parsing": "must be an ISO 8601 time with its offset",
    "timezone_aware": "must be an ISO 8601 time with its offset (Z for UTC)",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
}


def _field(loc: tuple[int | str, ...]) -> str:
    """The dotted path of a field, without the union members pydantic names in it
    (``date_from.function-before[…]``, ``selection.ById.ids``: fields are snake_case)."""
    parts = [
        str(part)
        for part in loc
        if isinstance(part, int) or not (_MEMBER.search(part) or part[:1].isupper())
    ]
    return ".".join(parts) or "(body)"


def _detail(error: Mapping[str, Any]) -> str:
    if error["type"] in _EXPECTED:
        return _EXPECTED[error["type"]]
    if error["type"] == "extra_forbidden":
        return "unknown field; see the OpenAPI description for the accepted ones"
    if error["type"] == "missing":
        return "required"
    if error["type"] == "value_error":  # our validators' own words, without pydantic's prefix
        return str(error["ctx"]["error"])
    return str(error["msg"])


def _json_body(request: Request) -> Any:
    if not request.get_data(cache=True):
        return {}  # no body: the model says whether that is enough
    if not request.is_json:
        raise HTTPError(
            415, "send the body as JSON, with the header Content-Type: application/json"
        )
    return request.get_json()  # malformed JSON: Flask's 400, as problem+json


def _fields(model: type[BaseModel], values: MultiDict) -> dict[str, Any]:
    """Query or form values by field: a list where the field is a list, else the last
    value sent; keys the model does not know are kept, for it to refuse."""
    found: dict[str, Any] = {}
    for key in values:
        field = model.model_fields.get(key)
        many = field is not None and _is_list(field.annotation)
        found[key] = values.getlist(key) if many else values.getlist(key)[-1]
    return found


def _is_list(annotation: Any) -> bool:
    if typing.get_origin(annotation) in (list, tuple):
        return True
    return any(_is_list(arg) for arg in typing.get_args(annotation))


#: the 410 of a document destroyed after a disposal visa: the problem carries its tombstone
DESTROYED = "destroyed after a disposal visa: the problem's `tombstone` says what it was"


def errors(*statuses: int, **described: str) -> dict[int, str]:
    """Error answers of a view for its OpenAPI description (problem+json), the usual
    reason phrase unless a description says more: ``errors(404, conflict="…")``."""
    answers = {status: HTTPStatus(status).phrase for status in statuses}
    for name, text in described.items():
        answers[HTTPStatus[name.upper()].value] = text
    return answers


registry.register("pydantic", GedPydanticAdapter)
