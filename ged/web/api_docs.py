"""/api/v1/docs: the OpenAPI description in Swagger UI, served from ged itself (no CDN),
under the web UI's strict content security policy: no inline script or style."""

from __future__ import annotations

from importlib.resources import files

from flask import Blueprint, Response, url_for

from ged.web.auth import public
from ged.web.ui import security

#: Swagger UI's own files, from the flask-swagger-ui package (pinned in the lock file)
_DIST = files("flask_swagger_ui") / "dist"

bp = Blueprint("api_docs", __name__, url_prefix="/api/v1/docs", static_folder=str(_DIST))
security.init_blueprint(bp)

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>ged API</title>
<link rel="stylesheet" href="{css}">
<link rel="icon" type="image/png" href="{icon}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{bundle}"></script>
<script src="{start}"></script>
</body>
</html>
"""

_START = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: %s,
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: false,
    withCredentials: true
  });
});
"""


@bp.get("")
@public
def page() -> Response:
    html = _PAGE.format(
        css=url_for(".static", filename="swagger-ui.css"),
        icon=url_for(".static", filename="favicon-32x32.png"),
        bundle=url_for(".static", filename="swagger-ui-bundle.js"),
        start=url_for(".start"),
    )
    return Response(html, mimetype="text/html")


@bp.get("/start.js")
@public
def start() -> Response:
    spec = url_for("openapi.spec")
    return Response(_START % f'"{spec}"', mimetype="text/javascript")
