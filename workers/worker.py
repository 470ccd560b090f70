"""The RQ worker process behind ``ged worker``."""

from __future__ import annotations

import logging
import os

from redis import Redis
from rq import Queue, Worker

from ged.config import Settings
from ingest.thumbnails import warm_up_renderer
from workers.job_child import supervise
from workers.jobs import start_runtime, stop_runtime
from workers.recovery import start_recovery_thread

log = logging.getLogger(__name__)


def preload_for_jobs() -> None:
    """Import here what jobs import lazily (other processes do not need it), so that each
    forked job child, and the thumbnail processes it forks, find it loaded."""
    import pikepdf.pdfa  # noqa: F401 - PDF/A renditions
    import pypdf.filters  # noqa: F401 - the text layer of a compressed page
    import xmlschema  # noqa: F401 - SEDA packages and replies

    warm_up_renderer()


def run_worker(
    settings: Settings, *, burst: bool = False, worker_class: type[Worker] | None = None
) -> None:
    """Work off the queue in a long-lived forked child (workers.job_child), so that a job
    that crashes, runs away or leaks takes only that child down. The tests pass SimpleWorker
    (jobs in this process), which spares them a fork per burst."""
    runtime = start_runtime(settings)
    try:
        runtime.adapters.jobs.check()
        # Tesseract's OpenMP threads fight each other on a loaded machine; parallelism comes
        # from one page per process instead (see ingest.ocr).
        os.environ.setdefault("OMP_THREAD_LIMIT", "1")
        preload_for_jobs()
        if not settings.audit.key_file.exists():
            log.warning(
                "no audit signing key at %s: checkpoints are not sealed, so a cut tail of the "
                "audit trail would go unnoticed; create it with `ged audit keygen`",
                settings.audit.key_file,
            )
        # Not workers.queue.redis_client: its short socket timeout would cut the worker's
        # blocking wait for jobs.
        connection = Redis.from_url(settings.redis.url)
        queue = Queue(settings.redis.queue, connection=connection)
        stop_recovery = None if burst else start_recovery_thread(runtime, connection)
        try:
            if worker_class is None:
                supervise(queue, burst=burst, level=settings.logging.level)
            else:
                worker_class([queue], connection=connection).work(
                    burst=burst, with_scheduler=True, logging_level=settings.logging.level
                )
        finally:
            if stop_recovery is not None:
                stop_recovery.set()
    finally:
        stop_runtime()
