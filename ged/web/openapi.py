"""The OpenAPI 3.1 description: APIFlask builds it from the views' declared schemas; this
module adds what it cannot know — how ged authenticates, that every error is problem+json,
the bounds of path numbers — and gives every operation an id a client generator can use."""

from __future__ import annotations

import json
import re
from typing import Any

from apiflask import APIFlask

from ged.parsing import MAX_ID
from ged.web.api.schemas.common import Problem

#: the three ways to call the API: a token, or the UI's cookie (+ CSRF header on writes)
SECURITY_SCHEMES = {
    "bearerToken": {
        "type": "http",
        "scheme": "bearer",
        "description": "an API token from `ged token create` or POST /api/v1/admin/tokens",
    },
    "sessionCookie": {
        "type": "apiKey",
        "in": "cookie",
        "name": "ged_session",
        "description": "set by POST /api/v1/session (the web UI's login)",
    },
    "csrfToken": {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRFToken",
        "description": "with the cookie, on every request that changes something: "
        "the csrf_token given by /api/v1/session",
    },
}

_READING = [{"bearerToken": []}, {"sessionCookie": []}]
_WRITING = [{"bearerToken": []}, {"sessionCookie": [], "csrfToken": []}]
_SAFE = {"get", "head", "options"}

#: answers of any operation taking input: it does not match the schema, or it does but
#: names something unknown or breaks a rule (ged.errors.InvalidInput)
_INVALID = {
    "400": "Bad Request: the request does not match this description; `errors` names each field",
    "422": "Unprocessable Content: well-formed, but it names something unknown or breaks a rule",
}

#: answers any authenticated operation may give, whatever it declares
_ALWAYS = {
    "401": "Unauthorized: no credentials, or unknown, revoked or disabled ones",
    "403": "Forbidden: the caller's role may not do this",
}

TAGS = [
    {"name": "Documents", "description": "Filing, reading and editing documents and versions"},
    {"name": "Search", "description": "Full-text search, filtered by what the caller may read"},
    {"name": "Access control", "description": "Grants on documents and units"},
    {"name": "Session", "description": "Password login for the web UI (cookie + CSRF token)"},
    {"name": "Administration", "description": "Accounts, groups, units and API tokens"},
    {"name": "Jobs", "description": "Bulk changes run in the background, and their progress"},
    {"name": "Webhooks", "description": "Signed notices of document events to integrations"},
    {"name": "Retention", "description": "Retention rules (DUA), due dates, document events"},
    {"name": "Legal holds", "description": "Holds that stop any deletion of their documents"},
    {"name": "Audit", "description": "The tamper-evident audit trail: events, exports, checks"},
    {"name": "Health", "description": "Liveness and readiness probes"},
]

INFO = {
    "description": "ged, electronic document management for public administrations. "
    "Every error is `application/problem+json` (RFC 9457) with a `detail` for people and, "
    "for bad input, `errors` naming each field. A document the caller may not read answers "
    "404, exactly like a missing one. Lists answer one page (`page`, `size`) with `total` and "
    "a `Link` header.",
    "license": {"name": "AGPL-3.0-or-later", "identifier": "AGPL-3.0-or-later"},
}


def configure(app: APIFlask) -> None:
    """Settings of APIFlask's generator, and the finishing pass over what it makes."""
    app.config.update(
        AUTO_200_RESPONSE=False,  # every view declares its answers
        AUTO_404_RESPONSE=False,
        AUTO_VALIDATION_ERROR_RESPONSE=False,
        AUTO_AUTH_ERROR_RESPONSE=False,
        VALIDATION_ERROR_STATUS_CODE=400,
        TAGS=TAGS,
        INFO=INFO,
        SERVERS=[{"url": "/", "description": "this ged server"}],
        SECURITY_SCHEMES=SECURITY_SCHEMES,
    )
    app.spec_processor(lambda spec: finish(app, spec))


def finish(app: APIFlask, spec: dict[str, Any]) -> dict[str, Any]:
    generated = spec.setdefault("components", {}).setdefault("schemas", {})
    for name in ("HTTPError", "ValidationError"):  # ged answers problem+json instead
        generated.pop(name, None)
    generated.update(_problem_schemas())
    _one_name_per_model(spec)
    schemas = spec["components"]["schemas"]
    endpoints = _endpoints(app)
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            endpoint = endpoints[path, method]
            operation["operationId"] = endpoint.replace(".", "_")
            # APIFlask tags operations after their blueprint only when TAGS is not set.
            operation["tags"] = [app.blueprints[endpoint.split(".")[0]].tag]
            _finish_parameters(operation)
            _finish_responses(operation, method, schemas, public=_is_public(app, endpoint))
    return spec


def _one_name_per_model(spec: dict[str, Any]) -> None:
    """APIFlask names a nested model after each model holding it (``UserPage.UserOut``
    beside ``UserOut``): client generators then make one class per name, or give up on
    the duplicates. One model, one name; two models of one name is a mistake to fix."""
    text = json.dumps(spec)
    text = re.sub(r'"#/components/schemas/[\w.]*?\.(\w+)"', r'"#/components/schemas/\1"', text)
    renamed = json.loads(text)
    short: dict[str, Any] = {}
    for name, schema in renamed["components"]["schemas"].items():
        plain = name.rsplit(".", 1)[-1]
        if short.setdefault(plain, schema) != schema:
            raise ValueError(f"two different API models are both named {plain!r}: rename one")
    renamed["components"]["schemas"] = short
    spec.clear()
    spec.update(renamed)


def openapi_path(rule: str) -> str:
    """A route as OpenAPI writes it: ``/documents/<int:document_id>`` is
    ``/documents/{document_id}``."""
    return re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule)


def _endpoints(app: APIFlask) -> dict[tuple[str, str], str]:
    """(OpenAPI path, method) -> Flask endpoint."""
    found = {}
    for rule in app.url_map.iter_rules():
        path = openapi_path(rule.rule)
        for method in rule.methods or ():
            found[path, method.lower()] = rule.endpoint
    return found


def _is_public(app: APIFlask, endpoint: str) -> bool:
    return bool(getattr(app.view_functions[endpoint], "ged_public", False))


def _finish_responses(operation: dict, method: str, schemas: dict, *, public: bool) -> None:
    responses = operation.setdefault("responses", {})
    takes_input = "requestBody" in operation or any(
        parameter["in"] == "query" for parameter in operation.get("parameters", [])
    )
    if takes_input:
        for status, description in _INVALID.items():
            responses.setdefault(status, {"description": description})
    if "requestBody" in operation:
        # A body with required fields, or that must name one, must be sent; one without
        # (a restore's comment) may not.
        operation["requestBody"]["required"] = any(
            _must_be_sent(schemas.get(content["schema"]["$ref"].rsplit("/", 1)[-1], {}))
            for content in operation["requestBody"]["content"].values()
        )
    if public:
        operation["security"] = []
    else:
        operation["security"] = _READING if method in _SAFE else _WRITING
        for status, description in _ALWAYS.items():
            responses.setdefault(status, {"description": description})
    for status, response in responses.items():
        if status in ("204", "304"):
            response.pop("content", None)  # these answers have no body
        if status[0] in "45" and _generic(response):
            response["content"] = {
                "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
            }


def _must_be_sent(schema: dict) -> bool:
    return bool(schema.get("required") or schema.get("minProperties"))


def _generic(response: dict) -> bool:
    """An error answer declared by its description alone: APIFlask gave it its HTTPError."""
    content = response.get("content", {})
    return not content or "HTTPError" in str(content)


def _finish_parameters(operation: dict) -> None:
    """Path ids are bounded like the routes that match them (see ged.web.requests);
    headers are named as RFC 9110 writes them."""
    for parameter in operation.get("parameters", []):
        if parameter.get("in") == "header":
            parameter["name"] = "-".join(part.capitalize() for part in parameter["name"].split("-"))
        schema = parameter.get("schema", {})
        if parameter.get("in") == "path" and schema.get("type") == "integer":
            schema.update(minimum=0, maximum=MAX_ID)


def _problem_schemas() -> dict[str, Any]:
    schema = Problem.model_json_schema(
        ref_template="#/components/schemas/{model}", mode="serialization"
    )
    found = schema.pop("$defs", {})
    return {"Problem": schema, **found}
