"""The IndexWrites port on Redis: every process of one ged counts its writes to the search
index in one counter, and the refreshes that covered them beside it.

A worker increments ``written`` after OpenSearch acknowledged a write, before it commits
the step that makes the document ``done``. A search reads both numbers: ``written``
greater than ``covered`` means some acknowledged write may not be searchable yet, so it
asks OpenSearch for a refresh, then records that the refresh covered the ``written`` it
read *before* asking. ``covered`` only ever names a count whose writes a finished refresh
included, which is what makes "done, so the next search finds it" hold with any number of
workers and searches at once: a search that reads ``covered`` too small merely refreshes
once more.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from redis import Redis, RedisError

from ged.config import Settings
from ged.errors import ServiceUnavailable

#: after Redis failed, say so at once for this long instead of waiting on a connection
#: timeout at every search and every write (the search index then refreshes itself)
RETRY_SECONDS = 30.0

# Raise ``covered`` to the mark, never lower it: two searches finishing out of order must
# not make a third refresh for nothing.
_RAISE = """
local covered = tonumber(redis.call('GET', KEYS[1]) or '0')
if tonumber(ARGV[1]) > covered then redis.call('SET', KEYS[1], ARGV[1]) end
"""


def index_keys(settings: Settings) -> tuple[str, str]:
    """The queue name prefixes the keys, as it tells this ged's data apart in a shared Redis."""
    prefix = f"{settings.redis.queue}:index"
    return f"{prefix}:written", f"{prefix}:covered"


class RedisIndexWrites:
    def __init__(self, settings: Settings, client: Redis) -> None:
        self._written, self._covered = index_keys(settings)
        self._client = client
        self._raise = client.register_script(_RAISE)
        self._retry_at = 0.0

    def written(self) -> None:
        self._call(lambda: self._client.incr(self._written))

    def uncovered(self) -> int | None:
        written, covered = self._call(lambda: self._client.mget(self._written, self._covered))
        if written is None or (covered is not None and int(covered) >= int(written)):
            return None
        return int(written)

    def covered(self, mark: int) -> None:
        self._call(lambda: self._raise(keys=[self._covered], args=[mark]))

    def _call(self, command: Callable[[], Any]) -> Any:
        if time.monotonic() < self._retry_at:
            raise ServiceUnavailable("redis", "unavailable a moment ago")
        try:
            return command()
        except RedisError as exc:
            self._retry_at = time.monotonic() + RETRY_SECONDS
            raise ServiceUnavailable("redis", str(exc)) from None
