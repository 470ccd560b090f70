"""Liveness and readiness probes, open without authentication (they reveal no document)."""

from __future__ import annotations

from contextlib import suppress

from apiflask import APIBlueprint

from ged.errors import ServiceUnavailable
from ged.health import check_readiness
from ged.web.api.schemas.health import Liveness, Readiness
from ged.web.auth import public
from ged.web.context import runtime

bp = APIBlueprint("health", __name__, tag="Health")


@bp.get("/healthz")
@public
@bp.output(Liveness, description="the process answers")
@bp.doc(summary="Liveness")
def healthz():
    return {"status": "ok"}


@bp.get("/readyz")
@public
@bp.output(Readiness, description="every dependency answers")
@bp.doc(
    summary="Readiness of the database, blob store, OpenSearch and Redis",
    responses={
        503: {
            "description": "at least one dependency is down",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Readiness"}}},
        }
    },
)
def readyz():
    ged = runtime()
    results = check_readiness(ged.engine, ged.adapters)
    ready = all(result.ok for result in results)
    body = {
        "status": "ready" if ready else "unavailable",
        "checks": {result.name: {"ok": result.ok, "detail": result.detail} for result in results},
    }
    if not ready:
        down = ", ".join(result.name for result in results if not result.ok)
        body["detail"] = f"not ready: {down} unavailable"
    folders = ged.settings.watch.folders
    if folders:
        # Scanner stations' folders: files taken, filed, duplicate, failed, postponed.
        with suppress(ServiceUnavailable):  # Redis being down is already reported above
            body["watched_folders"] = ged.adapters.counters.read(folders)
    accounts = [account.name for account in ged.settings.mail.accounts]
    if accounts:
        # Functional mailboxes: messages taken, filed, failed, postponed polls, acknowledged.
        with suppress(ServiceUnavailable):
            body["mailboxes"] = ged.adapters.counters.read_mail(accounts)
    return body, 200 if ready else 503
