"""Readiness of the four dependencies: database, blob store, OpenSearch, Redis."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from ged.db import check_database
from ged.errors import ServiceUnavailable
from ged.ports import Adapters


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def check_readiness(engine: Engine, adapters: Adapters) -> list[CheckResult]:
    checks: dict[str, Callable[[], None]] = {
        "database": lambda: check_database(engine),
        "blob_store": adapters.blobs.check,
        "opensearch": adapters.index.check,
        "redis": adapters.jobs.check,
    }
    results = []
    for name, check in checks.items():
        try:
            check()
        except ServiceUnavailable as exc:
            results.append(CheckResult(name, False, exc.detail))
        else:
            results.append(CheckResult(name, True, "ok"))
    return results
