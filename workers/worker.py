"""The RQ worker process behind ``ged worker``."""

from __future__ import annotations

from redis import Redis
from rq import Queue, Worker

from ged.config import Settings
from ged.health import check_redis


def run_worker(settings: Settings, *, burst: bool = False) -> None:
    check_redis(settings.redis.url)
    connection = Redis.from_url(settings.redis.url)
    queue = Queue(settings.redis.queue, connection=connection)
    Worker([queue], connection=connection).work(
        burst=burst, with_scheduler=True, logging_level=settings.logging.level
    )
