"""Counters of ``ged watch``: how many files each watched folder took, filed, found
duplicate, refused or postponed. The watcher adds to them in Redis (``Counters``); the web
process reads them (``read_counters``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from pathlib import Path

from redis import Redis, RedisError

from ged.config import Settings
from ged.errors import ServiceUnavailable

log = logging.getLogger("ged.watch")

COUNTER_FIELDS = ("taken", "filed", "duplicate", "failed", "postponed")
#: after Redis refused a counter update, wait this long before trying again, so that an
#: outage does not slow every file down by a connection timeout
COUNTER_RETRY_SECONDS = 30.0


def counter_key(settings: Settings, folder: Path) -> str:
    """The queue name prefixes the key, as it tells this ged's data apart in a shared Redis."""
    return f"{settings.redis.queue}:watch:{folder}"


class Counters:
    """Totals per folder, in Redis where the web process reads them. Increments wait in
    memory while Redis is unreachable and go with the next ones."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client = Redis.from_url(
            settings.redis.url, socket_connect_timeout=1, socket_timeout=2
        )
        self._pending: Counter[tuple[Path, str]] = Counter()
        self._lock = threading.Lock()
        self._retry_at = 0.0

    def add(self, folder: Path, outcome: str) -> None:
        with self._lock:
            self._pending[folder, outcome] += 1
            if time.monotonic() >= self._retry_at:
                self._send()

    def close(self) -> None:
        """Send what is pending (a last try), then close the connection."""
        with self._lock:
            self._send()
        self._client.close()

    def _send(self) -> None:
        try:
            with self._client.pipeline() as pipe:
                for (folder, outcome), count in self._pending.items():
                    pipe.hincrby(counter_key(self._settings, folder), outcome, count)
                pipe.execute()
        except RedisError as exc:
            if not self._retry_at:
                log.warning("redis unavailable, watch counters kept in memory: %s", exc)
            self._retry_at = time.monotonic() + COUNTER_RETRY_SECONDS
            return
        self._pending.clear()
        self._retry_at = 0.0


def read_counters(settings: Settings) -> dict[str, dict[str, int]]:
    """Files taken, filed, duplicate, failed and postponed per configured folder, since
    counting began. Raises ServiceUnavailable when Redis does not answer."""
    client = Redis.from_url(settings.redis.url, socket_connect_timeout=2, socket_timeout=2)
    try:
        return {
            str(folder.path): _totals(client.hgetall(counter_key(settings, folder.path)))
            for folder in settings.watch.folders
        }
    except RedisError as exc:
        raise ServiceUnavailable("redis", str(exc)) from None
    finally:
        client.close()


def _totals(stored: dict[bytes, bytes]) -> dict[str, int]:
    return {field: int(stored.get(field.encode(), 0)) for field in COUNTER_FIELDS}
