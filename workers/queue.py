"""Handing work to the RQ workers. Called after the commit that created the work."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from redis import Redis, RedisError
from rq import Queue

from ged.config import RedisSettings

log = logging.getLogger(__name__)

PROCESS_VERSION = "workers.jobs.process_version"


def enqueue_versions(settings: RedisSettings, version_ids: Iterable[int]) -> list[int]:
    """Queue the pipeline for each version; return the ids queued.

    Redis being down is not an error here: the versions stay pending in the
    database and ``ged reconcile`` queues them later. The job id names the
    version, so the queue shows what each job is for.
    """
    queued: list[int] = []
    connection = Redis.from_url(settings.url, socket_connect_timeout=2, socket_timeout=5)
    try:
        queue = Queue(settings.queue, connection=connection)
        for version_id in version_ids:
            queue.enqueue(
                PROCESS_VERSION, version_id, job_id=f"version-{version_id}", job_timeout=3600
            )
            queued.append(version_id)
    except RedisError as exc:
        log.warning(
            "redis unavailable, %d version(s) left pending for ged reconcile: %s", len(queued), exc
        )
    finally:
        connection.close()
    return queued
