"""Bytes that are not UTF-8, in every place a request carries text — path, query, JSON
body, header — get a 4xx problem, from every operation, never a 500."""

from __future__ import annotations

import re

import pytest

BAD = "%FF%FE%C3"  # not UTF-8 once percent-decoded


def operations(app) -> list[tuple[str, str]]:
    with app.app_context():
        spec = app.spec
    return [
        (
            method.upper(),
            re.sub(r"\{(\w+)\}", lambda m: "1" if m[1].endswith(("id", "number")) else BAD, path),
        )
        for path, methods in spec["paths"].items()
        for method in methods
    ]


@pytest.fixture
def app(sqlite_api):
    return sqlite_api.client.application


def test_no_operation_answers_bytes_that_are_not_utf8_with_a_server_error(sqlite_api, app):
    headers = {**sqlite_api.headers("admin"), "If-Match": "\xff\xfe"}
    for method, path in operations(app):
        for target, body in (
            (f"{path}?q={BAD}&{BAD}={BAD}", None),
            (path, b'{"name": "\xff\xfe", "\xc3": 1}'),
        ):
            response = sqlite_api.client.open(
                target,
                method=method,
                headers=headers,
                data=body,
                content_type="application/json" if body else None,
            )
            assert response.status_code < 500, (method, target, response.get_data(as_text=True))
            if response.status_code >= 400:
                assert response.mimetype == "application/problem+json", (method, target)
