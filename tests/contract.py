"""Every answer of the API in the tests holds to the OpenAPI description: its status is
declared for the operation, its media type too, and a JSON body validates against the
declared schema. The API tests' client (tests.apiclient) checks each response it gets."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from jsonschema import Draft202012Validator
from werkzeug.exceptions import HTTPException
from werkzeug.test import TestResponse

from ged.web.openapi import openapi_path


class ContractClient(FlaskClient):
    def open(self, *args: Any, **kwargs: Any) -> TestResponse:
        response = super().open(*args, **kwargs)
        request = response.request
        if request.path.startswith("/api/v1/") or request.path in ("/healthz", "/readyz"):
            check_response(self.application, request.method, request.path, response)
        return response


def check_response(app: Flask, method: str, path: str, response: TestResponse) -> None:
    operation = _operation(app, method, path)
    if operation is None:
        return  # no route, or one that is not an API operation (the description itself)
    status = str(response.status_code)
    where = f"{method} {path} answered {status}"
    assert status in operation["responses"], f"{where}, which its description does not declare"
    content = operation["responses"][status].get("content")
    if not content:
        assert not response.get_data(), f"{where} with a body its description does not declare"
        return
    media = response.mimetype
    declared = content.get(media) or content.get("*/*")
    assert declared is not None, f"{where} as {media}, declared: {', '.join(content)}"
    if media.endswith("json"):
        errors = sorted(
            _validator(json.dumps(declared["schema"], sort_keys=True)).iter_errors(
                response.get_json()
            ),
            key=str,
        )
        assert not errors, (
            f"{where} a body off its schema: {errors[0].message} at {list(errors[0].absolute_path)}"
        )


def _operation(app: Flask, method: str, path: str) -> dict[str, Any] | None:
    try:
        rule, _ = app.url_map.bind("localhost").match(path, method, return_rule=True)
    except HTTPException:
        return None
    return _spec(app)["paths"].get(openapi_path(rule.rule), {}).get(method.lower())


def _spec(app: Flask) -> dict[str, Any]:
    # The description depends on the code only, not on an app's settings: made once.
    global _SPEC
    if _SPEC is None:
        with app.app_context():
            _SPEC = app.spec  # type: ignore[attr-defined]
    return _SPEC


_SPEC: dict[str, Any] | None = None


@cache
def _validator(schema: str) -> Draft202012Validator:
    assert _SPEC is not None
    return Draft202012Validator({"components": _SPEC["components"], "allOf": [json.loads(schema)]})
