"""Handing work to the RQ workers. Called after the commit that created the work."""

from __future__ import annotations

import logging
from collections.abc import Iterable

from redis import Redis, RedisError
from rq import Queue, Retry

from ged.config import Settings

log = logging.getLogger(__name__)

PROCESS_VERSION = "workers.jobs.process_version"
INDEX_DOCUMENT = "workers.jobs.index_document"
#: seconds between attempts when OpenSearch or Redis is down; recovery takes over afterwards
RETRY_INTERVALS = [10, 30, 60, 120, 300]


def enqueue_versions(settings: Settings, version_ids: Iterable[int]) -> list[int]:
    """Queue the pipeline for each version; return the ids queued.

    Redis being down is not an error here: the versions stay pending in the
    database, and worker recovery (or ``ged reconcile``) queues them later."""
    return _enqueue(settings, PROCESS_VERSION, "version", version_ids)


def enqueue_index(settings: Settings, document_ids: Iterable[int]) -> list[int]:
    """Queue a search-index refresh of each document (metadata, ACL or status changed)."""
    return _enqueue(settings, INDEX_DOCUMENT, "index", document_ids)


def _enqueue(settings: Settings, function: str, kind: str, ids: Iterable[int]) -> list[int]:
    queued: list[int] = []
    connection = Redis.from_url(settings.redis.url, socket_connect_timeout=2, socket_timeout=5)
    retry = Retry(max=settings.pipeline.max_attempts, interval=RETRY_INTERVALS)
    try:
        queue = Queue(settings.redis.queue, connection=connection)
        for object_id in ids:
            queue.enqueue(
                function,
                object_id,
                job_id=f"{kind}-{object_id}",
                job_timeout=settings.pipeline.job_timeout,
                retry=retry,
            )
            queued.append(object_id)
    except RedisError as exc:
        log.warning("redis unavailable, %s job(s) not queued: %s", kind, exc)
    finally:
        connection.close()
    return queued
