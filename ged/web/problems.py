"""Every error answered by the app is application/problem+json (RFC 9457)."""

from __future__ import annotations

from http import HTTPStatus

from apiflask import APIFlask, HTTPError


def register(app: APIFlask) -> None:
    @app.error_processor
    def to_problem(error: HTTPError):
        body = {
            "type": "about:blank",
            "title": _title(error.status_code),
            "status": error.status_code,
            "detail": error.message,
        }
        if error.detail:
            body["errors"] = error.detail
        if error.extra_data:
            body.update(error.extra_data)
        headers = dict(error.headers or {})
        headers["Content-Type"] = "application/problem+json"
        return body, error.status_code, headers


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
