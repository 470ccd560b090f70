"""Requests whose malformed multipart bodies are reported instead of silently read as empty."""

from __future__ import annotations

from functools import partial

from apiflask import HTTPError
from flask import Request
from werkzeug.formparser import FormDataParser


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
