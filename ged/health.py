"""Readiness of the four dependencies: database, blob store, OpenSearch, Redis."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import redis
from sqlalchemy import Engine

from ged.config import Settings
from ged.db import check_database
from ged.errors import ServiceUnavailable
from search.client import check_cluster, client_for


@dataclass(frozen=True)
class CheckResult:
    name: str
    ok: bool
    detail: str


def check_blob_store(path: Path) -> None:
    """The store must exist and accept a write that reaches the disk."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path, prefix=".ready-") as probe:
            probe.write(b"ok")
            probe.flush()
            os.fsync(probe.fileno())
    except OSError as exc:
        raise ServiceUnavailable("blob store", f"{path}: {exc.strerror or exc}") from None


def check_redis(url: str) -> None:
    client = redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3)
    try:
        client.ping()
    except redis.RedisError as exc:
        raise ServiceUnavailable("redis", f"{_redacted(url)}: {exc}") from None
    finally:
        client.close()


def check_opensearch(settings: Settings) -> None:
    client = client_for(settings.opensearch)
    try:
        check_cluster(client)
    finally:
        client.close()


def check_readiness(settings: Settings, engine: Engine) -> list[CheckResult]:
    checks: dict[str, Callable[[], None]] = {
        "database": lambda: check_database(engine),
        "blob_store": lambda: check_blob_store(settings.storage.path),
        "opensearch": lambda: check_opensearch(settings),
        "redis": lambda: check_redis(settings.redis.url),
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


def _redacted(url: str) -> str:
    """Never echo a password from a URL into a log or a response."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}"
