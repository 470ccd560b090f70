"""The UI's stylesheet and scripts, open without login (the login page needs them)."""

from __future__ import annotations

from pathlib import Path

from apiflask import APIBlueprint
from flask import send_from_directory

from ged.web.auth import public

STATIC = Path(__file__).parent / "static"

bp = APIBlueprint("static", __name__, url_prefix="/ui/static", enable_openapi=False)


@bp.get("/<path:filename>")
@public
def asset(filename: str):
    # Short cache: the files change with each release and carry no version in their names.
    return send_from_directory(STATIC, filename, max_age=300)
