"""The RQ worker process behind ``ged worker``."""

from __future__ import annotations

import logging
import os
import signal

from redis import Redis
from rq import Queue, Worker
from rq.job import Job

from ged.config import Settings
from ged.services.pipeline_steps import classifier_model
from ingest.processes import die_with_parent
from workers.jobs import current_runtime, start_runtime, stop_runtime
from workers.recovery import start_recovery_thread

log = logging.getLogger(__name__)


def preload_for_jobs() -> None:
    """Import here what jobs import lazily (other processes do not need it), so that each
    job's forked child finds it loaded rather than import it again, job after job."""
    import pikepdf.pdfa  # noqa: F401 - PDF/A renditions
    import pypdf.filters  # noqa: F401 - the text layer of a compressed page
    import xmlschema  # noqa: F401 - SEDA packages and replies


class WarmWorker(Worker):
    """RQ's Worker (a forked child per job), which loads before each fork what a job would
    otherwise load in its child, to lose it when the child exits: the classifier model
    (1.5 s of CPU, scikit-learn's import and the pickle) was loaded by every job. A model
    retrained meanwhile is loaded here once, at the next job."""

    def execute_job(self, job: Job, queue: Queue) -> None:
        path = current_runtime().settings.classification.model_path
        try:
            classifier_model(path)
        except Exception:  # noqa: BLE001 - the job meets it again, and records it on its version
            log.exception("classifier model %s could not be loaded before the job", path)
        self._forker = os.getpid()
        super().execute_job(job, queue)

    def main_work_horse(self, job: Job, queue: Queue) -> None:
        # RQ puts the job's child in a process group of its own: a worker killed with its
        # group (SIGKILL by a supervisor, a test) would leave the job running alone, with
        # nobody to record its end. It dies with its worker instead, and the recovery
        # sweep gives the job to another.
        die_with_parent(self._forker, signal.SIGKILL)
        super().main_work_horse(job, queue)


def run_worker(
    settings: Settings, *, burst: bool = False, worker_class: type[Worker] = WarmWorker
) -> None:
    """Work off the queue; WarmWorker runs each job in a forked child, so that a job that
    crashes, runs away or leaks takes only its child down. The tests pass SimpleWorker
    (jobs in this process), which spares them a process start per burst."""
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
            worker_class([queue], connection=connection).work(
                burst=burst, with_scheduler=True, logging_level=settings.logging.level
            )
        finally:
            if stop_recovery is not None:
                stop_recovery.set()
    finally:
        stop_runtime()
