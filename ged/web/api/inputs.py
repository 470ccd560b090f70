"""Reading request input into plain values, with errors that name the field (numbers:
ged.parsing.positive_int)."""

from __future__ import annotations

from datetime import date

from flask import request

from ged.errors import InvalidInput


def json_object() -> dict:
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise InvalidInput("send a JSON object (Content-Type: application/json)")
    return body


def string_field(body: dict, field: str) -> str:
    value = body.get(field)
    if not isinstance(value, str):
        raise InvalidInput(f"{field} is required, as a string", field=field)
    return value


def parse_date(value, field: str) -> date | None:
    if value is None or value == "":
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise InvalidInput(
            f"{field} must be a date as YYYY-MM-DD, not {value!r}", field=field
        ) from None
