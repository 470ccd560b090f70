"""The JobQueue port on RQ: how ged hands work to the workers.

Jobs are named by what they work on (``version-12``, ``index-7``, ``bulk-3``,
``delivery-3``, ``disposal-2``, ``transfer-4``, ``split-5``), so queueing the same work twice while it waits is a no-op for RQ, and
recovery can ask whether a version's, a bulk job's or a delivery's job is still waiting.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from redis import Redis, RedisError
from rq import Queue, Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from ged.config import Settings
from ged.errors import ServiceUnavailable
from ged.services.webhook_deliveries import attempt_seconds
from workers.index_writes import RedisIndexWrites

log = logging.getLogger(__name__)

PROCESS_VERSION = "workers.jobs.process_version"
INDEX_DOCUMENT = "workers.jobs.index_document"
RUN_BULK = "workers.jobs.run_bulk_job"
DELIVER_WEBHOOK = "workers.webhooks.deliver"
EXECUTE_DISPOSAL = "workers.jobs.execute_disposal"
BUILD_TRANSFER = "workers.jobs.build_transfer"
SPLIT_BATCH = "workers.jobs.split_batch"
#: seconds a package build may take: a 10 GB transfer streams for tens of minutes, far
#: beyond a pipeline job's timeout; a build killed by it starts over when requeued
TRANSFER_TIMEOUT = 12 * 3600
#: seconds between attempts when OpenSearch or Redis is down; recovery takes over afterwards
RETRY_INTERVALS = [10, 30, 60, 120, 300]
#: a job in one of these states will run (or is running) without our help
_WAITING = {JobStatus.QUEUED, JobStatus.SCHEDULED, JobStatus.DEFERRED}


def redis_client(url: str) -> Redis:
    """Short timeouts: a request must not hang for minutes on a Redis that is down."""
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)


class RQJobQueue:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings
        self._redis = redis_client(settings.redis.url)
        self._queue = Queue(settings.redis.queue, connection=self._redis)
        self.index_writes = RedisIndexWrites(settings, self._redis)

    def enqueue_versions(self, version_ids: Iterable[int]) -> list[int]:
        """Queue the pipeline for each version; return the ids queued."""
        return self._enqueue(PROCESS_VERSION, "version", version_ids)

    def enqueue_index(self, document_ids: Iterable[int]) -> list[int]:
        """Queue a search-index refresh of each document (metadata, ACL or status changed)."""
        return self._enqueue(INDEX_DOCUMENT, "index", document_ids)

    def enqueue_bulk(self, job_ids: Iterable[int]) -> list[int]:
        """Queue the run of each bulk job (a re-run resumes where the last one stopped)."""
        return self._enqueue(RUN_BULK, "bulk", job_ids)

    def enqueue_delivery(self, delivery_id: int) -> bool:
        """Queue one attempt of a webhook delivery, ahead of the pipeline's long jobs: it
        takes seconds. No RQ retry: ged.services.webhook_deliveries schedules the next
        attempt in the database, and the recovery sweep queues it when due."""
        try:
            self._queue.enqueue(
                DELIVER_WEBHOOK,
                delivery_id,
                job_id=f"delivery-{delivery_id}",
                job_timeout=attempt_seconds(self._settings.webhooks),
                at_front=True,
            )
        except RedisError as exc:
            log.warning("redis unavailable, webhook delivery %s not queued: %s", delivery_id, exc)
            return False
        return True

    def enqueue_disposal(self, list_id: int) -> bool:
        """Queue the destruction of an approved list; a rerun resumes it, so RQ may retry."""
        return bool(self._enqueue(EXECUTE_DISPOSAL, "disposal", [list_id]))

    def waiting_disposals(self, list_ids: Iterable[int]) -> set[int]:
        # A running execution counts: a second one would only wait on its locks.
        return self._waiting("disposal", list_ids, {*_WAITING, JobStatus.STARTED})

    def enqueue_transfer(self, transfer_id: int) -> bool:
        """Queue the build of a transfer's package; a rerun starts it over, so RQ may retry."""
        return bool(
            self._enqueue(BUILD_TRANSFER, "transfer", [transfer_id], timeout=TRANSFER_TIMEOUT)
        )

    def waiting_transfers(self, transfer_ids: Iterable[int]) -> set[int]:
        # A running build counts: a second one would only redo its work.
        return self._waiting("transfer", transfer_ids, {*_WAITING, JobStatus.STARTED})

    def enqueue_splits(self, batch_ids: Iterable[int]) -> list[int]:
        """Queue the split of each batch (a re-run resumes where the last one stopped)."""
        return self._enqueue(SPLIT_BATCH, "split", batch_ids)

    def waiting_splits(self, batch_ids: Iterable[int]) -> set[int]:
        return self._waiting("split", batch_ids)

    def waiting(self, version_ids: Iterable[int]) -> set[int]:
        return self._waiting("version", version_ids)

    def waiting_bulk_jobs(self, job_ids: Iterable[int]) -> set[int]:
        return self._waiting("bulk", job_ids)

    def waiting_deliveries(self, delivery_ids: Iterable[int]) -> set[int]:
        return self._waiting("delivery", delivery_ids)

    def _waiting(
        self, kind: str, ids: Iterable[int], states: set[JobStatus] = _WAITING
    ) -> set[int]:
        found = set()
        for object_id in ids:
            job_id = f"{kind}-{object_id}"
            try:
                status = Job.fetch(job_id, connection=self._redis).get_status()
            except NoSuchJobError:
                continue
            if status == JobStatus.QUEUED and self._queue.get_job_position(job_id) is None:
                # Taken off the queue by a worker that died before it started the job (it
                # stays in RQ's intermediate list, "queued", until RQ's ten-minute cleanup).
                continue
            if status in states:
                found.add(object_id)
        return found

    def check(self) -> None:
        try:
            self._redis.ping()
        except RedisError as exc:
            raise ServiceUnavailable(
                "redis", f"{redacted(self._settings.redis.url)}: {exc}"
            ) from None

    def _enqueue(
        self, function: str, kind: str, ids: Iterable[int], timeout: int | None = None
    ) -> list[int]:
        pipeline = self._settings.pipeline
        retry = Retry(max=pipeline.max_attempts, interval=RETRY_INTERVALS)
        queued: list[int] = []
        try:
            for object_id in ids:
                self._queue.enqueue(
                    function,
                    object_id,
                    job_id=f"{kind}-{object_id}",
                    job_timeout=timeout or pipeline.job_timeout,
                    retry=retry,
                )
                queued.append(object_id)
        except RedisError as exc:
            log.warning("redis unavailable, %s job(s) not queued: %s", kind, exc)
        return queued


def redacted(url: str) -> str:
    """Never echo a password from a URL into a log or a response."""
    if "@" not in url:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://***@{rest.rpartition('@')[2]}"
