"""The WatchCounters port on Redis: ``ged watch`` adds to the totals of each watched
folder and ``ged mail`` to those of each mailbox, the web process reads them for /readyz
and the administration page.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from redis import RedisError

from ged.config import Settings, WatchedFolder
from ged.errors import ServiceUnavailable
from workers.queue import redis_client

log = logging.getLogger("ged.watch")

COUNTER_FIELDS = ("taken", "filed", "duplicate", "failed", "postponed")
MAIL_COUNTER_FIELDS = ("taken", "filed", "failed", "postponed", "acknowledged")
#: after Redis refused a counter update, wait this long before trying again, so that an
#: outage does not slow every file down by a connection timeout
COUNTER_RETRY_SECONDS = 30.0


def counter_key(settings: Settings, folder: Path) -> str:
    """The queue name prefixes the key, as it tells this ged's data apart in a shared Redis."""
    return f"{settings.redis.queue}:watch:{folder}"


def mail_counter_key(settings: Settings, account: str) -> str:
    return f"{settings.redis.queue}:mail:{account}"


class RedisWatchCounters:
    """Increments wait in memory while Redis is unreachable and go with the next ones."""

    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._client = redis_client(settings.redis.url)
        #: (Redis key, outcome) -> increments not sent yet
        self._pending: Counter[tuple[str, str]] = Counter()
        self._lock = threading.Lock()
        self._retry_at = 0.0

    def add(self, folder: Path, outcome: str) -> None:
        self._count(counter_key(self._settings, folder), outcome)

    def add_mail(self, account: str, outcome: str) -> None:
        self._count(mail_counter_key(self._settings, account), outcome)

    def read(self, folders: Sequence[WatchedFolder]) -> dict[str, dict[str, int]]:
        keys = {str(folder.path): counter_key(self._settings, folder.path) for folder in folders}
        return self._read(keys, COUNTER_FIELDS)

    def read_mail(self, accounts: Sequence[str]) -> dict[str, dict[str, int]]:
        keys = {account: mail_counter_key(self._settings, account) for account in accounts}
        return self._read(keys, MAIL_COUNTER_FIELDS)

    def _count(self, key: str, outcome: str) -> None:
        with self._lock:
            self._pending[key, outcome] += 1
            if time.monotonic() >= self._retry_at:
                self._send()

    def _read(self, keys: dict[str, str], fields: Sequence[str]) -> dict[str, dict[str, int]]:
        try:
            return {name: _totals(self._client.hgetall(key), fields) for name, key in keys.items()}
        except RedisError as exc:
            raise ServiceUnavailable("redis", str(exc)) from None

    def close(self) -> None:
        """Send what is pending (a last try), then close the connection."""
        with self._lock:
            if self._pending:
                self._send()
        self._client.close()

    def _send(self) -> None:
        try:
            with self._client.pipeline() as pipe:
                for (key, outcome), count in self._pending.items():
                    pipe.hincrby(key, outcome, count)
                pipe.execute()
        except RedisError as exc:
            if not self._retry_at:
                log.warning("redis unavailable, watch counters kept in memory: %s", exc)
            self._retry_at = time.monotonic() + COUNTER_RETRY_SECONDS
            return
        self._pending.clear()
        self._retry_at = 0.0


def _totals(stored: dict[bytes, bytes], fields: Sequence[str]) -> dict[str, int]:
    return {field: int(stored.get(field.encode(), 0)) for field in fields}
