"""What requests may carry: multipart bodies whose malformations are reported instead of
silently read as empty, and path numbers the database can hold."""

from __future__ import annotations

from functools import partial

from apiflask import HTTPError
from flask import Request
from werkzeug.exceptions import NotFound
from werkzeug.formparser import FormDataParser
from werkzeug.routing import IntegerConverter

from ged.parsing import MAX_ID


class GedRequest(Request):
    # werkzeug's default parser swallows decoding errors and yields an empty form,
    # which would turn "this file name is not UTF-8" into "no file was sent".
    form_data_parser_class = partial(FormDataParser, silent=False)  # type: ignore[assignment]

    def _load_form_data(self) -> None:
        try:
            super()._load_form_data()
        except UnicodeDecodeError:
            raise HTTPError(
                400, "the multipart body is not valid UTF-8: file names and fields must be UTF-8"
            ) from None
        except ValueError as exc:
            raise HTTPError(400, f"the multipart body could not be read: {exc}") from None


class DatabaseInteger(IntegerConverter):
    """``<int:…>`` in every route: ids and version numbers the database can hold. A larger
    one is answered 404, like any missing document, instead of reaching the database.

    Refused here rather than with the converter's ``max``: werkzeug then skips the rule
    and answers 405 to the methods of the next one matching the path."""

    def to_python(self, value: str) -> int:
        number = super().to_python(value)
        if number > MAX_ID:
            raise NotFound(f"nothing has the number {value[:40]}: numbers go up to {MAX_ID}")
        return number
