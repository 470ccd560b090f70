"""Every error answered by the app is application/problem+json (RFC 9457).

Domain errors (ged.errors) are mapped to statuses here, once; views never catch them.
"""

from __future__ import annotations

from http import HTTPStatus

from apiflask import APIFlask, HTTPError
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import RequestEntityTooLarge

from ged.errors import (
    Conflict,
    GedError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    ServiceUnavailable,
    TooLarge,
)
from ged.services.logins import AccountLocked, LoginRefused

STATUS_OF = {
    LoginRefused: 401,
    AccountLocked: 429,
    NotFound: 404,
    PermissionDenied: 403,
    InvalidInput: 400,
    Conflict: 409,
    TooLarge: 413,
    ServiceUnavailable: 503,
}


def problem(status: int, detail: str, headers: dict | None = None, **extra):
    body = {"type": "about:blank", "title": _title(status), "status": status, "detail": detail}
    body.update(extra)
    return body, status, {**(headers or {}), "Content-Type": "application/problem+json"}


def register(app: APIFlask) -> None:
    @app.error_processor
    def http_error(error: HTTPError):
        extra = dict(error.extra_data or {})
        if error.detail:
            extra["errors"] = error.detail
        return problem(error.status_code, error.message, dict(error.headers or {}), **extra)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        return problem(
            400,
            f"CSRF check failed: {error.description} Send the token given by /api/v1/session "
            "in the X-CSRFToken header (or the csrf_token form field).",
        )

    @app.errorhandler(RequestEntityTooLarge)
    def too_large(_error: RequestEntityTooLarge):
        limit = app.config["MAX_CONTENT_LENGTH"] // (1024 * 1024)
        return problem(
            413, f"the upload is larger than the limit of {limit} MB; send a smaller file"
        )

    @app.errorhandler(GedError)
    def domain_error(error: GedError):
        status = next((code for kind, code in STATUS_OF.items() if isinstance(error, kind)), 500)
        extra = {}
        if isinstance(error, InvalidInput) and error.field:
            extra["field"] = error.field
        return problem(status, str(error), **extra)


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
