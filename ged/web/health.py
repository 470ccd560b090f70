"""Liveness and readiness probes, open without authentication (they reveal no document)."""

from __future__ import annotations

from contextlib import suppress

from apiflask import APIBlueprint
from flask import current_app

from ged.errors import ServiceUnavailable
from ged.health import check_readiness
from ged.watch_counters import read_counters
from ged.web.auth import public

bp = APIBlueprint("health", __name__, tag="Health")


@bp.get("/healthz")
@public
@bp.doc(summary="Liveness: the process answers")
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
@public
@bp.doc(
    summary="Readiness of the database, blob store, OpenSearch and Redis",
    responses={200: "every dependency answers", 503: "at least one dependency is down"},
)
def readyz():
    ged = current_app.extensions["ged"]
    results = check_readiness(ged["settings"], ged["engine"])
    ready = all(result.ok for result in results)
    body = {
        "status": "ready" if ready else "unavailable",
        "checks": {result.name: {"ok": result.ok, "detail": result.detail} for result in results},
    }
    if not ready:
        down = ", ".join(result.name for result in results if not result.ok)
        body["detail"] = f"not ready: {down} unavailable"
    settings = ged["settings"]
    if settings.watch.folders:
        # Scanner stations' folders: files taken, filed, duplicate, failed, postponed.
        with suppress(ServiceUnavailable):  # Redis being down is already reported above
            body["watched_folders"] = read_counters(settings)
    return body, 200 if ready else 503
