"""Every error answered by the app is application/problem+json (RFC 9457).

Domain errors (ged.errors) are mapped to statuses here, once; views never catch them.
"""

from __future__ import annotations

import logging
from http import HTTPStatus

from apiflask import APIFlask, HTTPError
from flask import g, request
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import RequestEntityTooLarge

from ged.audit.chain import record
from ged.errors import (
    Conflict,
    DocumentDestroyed,
    GedError,
    Gone,
    InvalidInput,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ServiceUnavailable,
    TooLarge,
)
from ged.reasons import in_french
from ged.services.logins import (
    AccountLocked,
    CodeRequired,
    EnrolmentRequired,
    LoginRefused,
    SecondFactorNeeded,
)
from ged.services.second_factor import LoginExpired, WrongCode
from ged.web.context import close_uow, runtime

log = logging.getLogger(__name__)

STATUS_OF = {
    LoginRefused: 401,
    CodeRequired: 401,
    WrongCode: 401,
    LoginExpired: 401,
    EnrolmentRequired: 403,
    AccountLocked: 429,
    NotFound: 404,
    Gone: 410,
    PermissionDenied: 403,
    # 400 is for requests that do not match the declared schema (ged.web.api.contract);
    # a well-formed one naming an unknown unit, or breaking a rule, is unprocessable.
    InvalidInput: 422,
    Conflict: 409,
    PreconditionFailed: 412,
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
        status = status_of(error)
        record_denied(status, error)
        extra = {}
        if isinstance(error, InvalidInput) and error.field:
            extra["field"] = error.field
        if isinstance(error, DocumentDestroyed):
            extra["tombstone"] = error.tombstone
        if isinstance(error, SecondFactorNeeded | WrongCode):
            # Clients tell "send a code" and "enrol first" from a wrong password by it.
            enrol = isinstance(error, EnrolmentRequired)
            extra["second_factor"] = "enrolment" if enrol else "code"
        return problem(status, _in_callers_language(str(error)), **extra)


def _in_callers_language(detail: str) -> str:
    """English, the API's language, unless the client asks for French (Accept-Language)."""
    wanted = request.accept_languages.best_match(["en", "fr"], default="en")
    return in_french(detail) if wanted == "fr" else detail


def status_of(error: GedError) -> int:
    return next((code for kind, code in STATUS_OF.items() if isinstance(error, kind)), 500)


def record_denied(status: int, error: GedError) -> None:
    """Write a refused access (403, or 404 on something the caller may not see) to the audit
    trail, in a unit of work of its own: the refused action's own is rolled back."""
    caller = g.get("principal")
    if status not in (403, 404) or caller is None:
        return
    close_uow()  # its rollback also releases SQLite's write lock before we write
    object_id = (request.view_args or {}).get("document_id")
    details = {
        "endpoint": request.endpoint,
        "method": request.method,
        "status": status,
        "reason": str(error),
    }
    if isinstance(error, PermissionDenied) and error.rule is not None:
        details["rule"] = error.rule
    with runtime().unit_of_work() as unit:
        try:
            record(
                unit.session,
                caller,
                "access.denied",
                object_type="document" if object_id is not None else None,
                object_id=object_id,
                outcome="denied",
                details=details,
            )
            unit.commit()
        except SQLAlchemyError:
            log.exception("could not record a refused access in the audit trail")


def _title(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"
