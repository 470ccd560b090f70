"""`ged worker`'s jobs run in a long-lived forked child rather than a child per job: the
fork, the child's first use of the ORM and its copy-on-write faults cost a born-digital
job about half its CPU (0.24 s forked, 0.125 s in-process). The child still is what a
job may crash or leak into: the worker forks a new one when it ends, after max_jobs jobs
or by a crash, whose job it records as failed as RQ's forking worker does."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import time
import uuid
from types import FrameType

from redis import Redis, RedisError
from rq import Queue, SimpleWorker
from rq.job import Job
from rq.scheduler import RQScheduler
from rq.utils import now

from ged.services.pipeline_steps import classifier_model
from ingest.processes import die_with_parent
from workers.jobs import current_runtime

log = logging.getLogger(__name__)

# A leak or a fragmented heap lasts this many jobs at most.
JOBS_PER_CHILD = 500
# RQ's death penalty (SIGALRM) cannot stop a job stuck in C code: the worker kills its
# child this long after the job's timeout, as RQ's forking worker kills its horse.
HARD_KILL_GRACE = 60.0
POLL_SECONDS = 1.0
# How often a worker without RQ's scheduler tries to become the one that runs it.
SCHEDULER_SECONDS = 60.0
_STOP_SIGNALS = (signal.SIGTERM, signal.SIGINT)


def load_classifier() -> None:
    """Load the classifier model now, so that a job finds it loaded; a model retrained
    meanwhile is loaded here once."""
    path = current_runtime().settings.classification.model_path
    try:
        classifier_model(path)
    except Exception:  # noqa: BLE001 - the job meets it again, and records it on its version
        log.exception("classifier model %s could not be loaded before the job", path)


class ChildWorker(SimpleWorker):
    """RQ's in-process worker (its death penalty, SIGALRM, still stops a job over its
    timeout), with the classifier model checked before each job."""

    def execute_job(self, job: Job, queue: Queue) -> None:
        load_classifier()
        super().execute_job(job, queue)


def _run_child(parent: int, name: str, queue: Queue, *, burst: bool, level: str) -> int:
    # The worker forwards its stop signals itself: a child in the worker's group would get
    # a terminal's Ctrl-C twice, which RQ takes for a forced stop. Killed with its group,
    # the worker takes the child with it.
    os.setpgid(0, 0)
    die_with_parent(parent, signal.SIGKILL)
    for number in _STOP_SIGNALS:
        signal.signal(number, signal.SIG_DFL)
    worker = ChildWorker([queue], connection=queue.connection, name=name)
    # A burst queues the due scheduled jobs itself, with no scheduler process to leave.
    worker.work(burst=burst, max_jobs=JOBS_PER_CHILD, with_scheduler=burst, logging_level=level)
    return os.EX_OK


def _child_worker(name: str, connection: Redis) -> ChildWorker | None:
    """The child's worker as RQ keeps it in Redis (its current job), by the child's name."""
    return ChildWorker.find_by_key(ChildWorker.redis_worker_namespace_prefix + name, connection)


def _overdue(name: str, connection: Redis) -> bool:
    """Whether the child's job has run its timeout and the grace past it (not known while
    Redis is away: the child waits for it too)."""
    try:
        worker = _child_worker(name, connection)
    except RedisError:
        return False
    execution = worker.execution if worker is not None else None
    if execution is None:
        return False
    timeout = execution.job.timeout
    if timeout is None or timeout == -1:
        return False
    return (now() - execution.created_at).total_seconds() > timeout + HARD_KILL_GRACE


class Scheduling:
    """RQ's scheduler (due retries, delayed jobs), run from the worker rather than its job
    child, in whose process group a child's crash or the worker's SIGKILL would leave it
    running alone; started when no other worker runs it, as RQ's worker does."""

    def __init__(self, queue: Queue) -> None:
        self.scheduler = RQScheduler([queue], connection=queue.connection)
        self.tried = -SCHEDULER_SECONDS

    def keep(self) -> None:
        process = self.scheduler._process
        if (process is None or not process.is_alive()) and (
            time.monotonic() - self.tried >= SCHEDULER_SECONDS
        ):
            self.tried = time.monotonic()
            self.scheduler.acquire_locks(auto_start=True)

    def stop(self) -> None:
        process = self.scheduler._process
        if process is not None and process.pid:
            with contextlib.suppress(OSError):
                os.kill(process.pid, signal.SIGTERM)
            process.join()


def _wait_for(child: int, name: str, connection: Redis, scheduling: Scheduling | None) -> int:
    """The child's wait status once it ends; SIGKILLed first if its job is overdue."""
    while True:
        pid, status = os.waitpid(child, os.WNOHANG)
        if pid:
            return status
        if scheduling is not None:
            scheduling.keep()
        if _overdue(name, connection):
            log.warning("worker child %s: its job is past its timeout, killed", name)
            os.kill(child, signal.SIGKILL)
        time.sleep(POLL_SECONDS)


def _fail_lost_job(name: str, connection: Redis, status: int) -> None:
    """Record the job of a child that ended abruptly as failed (retried if it has retries
    left), with RQ's own handling of a killed work horse."""
    worker = _child_worker(name, connection)
    if worker is None:
        return
    execution = worker.execution
    job = worker.get_current_job()
    if job is not None:
        cause = f"signal {os.WTERMSIG(status)}" if os.WIFSIGNALED(status) else f"exit {status}"
        log.warning("job %s: its worker child %s ended (%s)", job.id, name, cause)
        queue = Queue(job.origin, connection=connection)
        worker.handle_job_failure(
            job,
            queue,
            exc_string=f"Work-horse terminated unexpectedly ({cause})",
            execution=execution,
        )
    worker.register_death()


def supervise(queue: Queue, *, burst: bool, level: str) -> None:
    """Run jobs in a child, and fork a new one each time it ends, until asked to stop (a
    stop signal, passed on to the child for RQ's warm shutdown) or, in a burst, until the
    queue is empty."""
    stopping: list[int] = []
    child = 0

    def pass_on(signum: int, frame: FrameType | None) -> None:
        stopping.append(signum)
        if child:
            os.kill(child, signum)

    handlers = {number: signal.signal(number, pass_on) for number in _STOP_SIGNALS}
    scheduling = None if burst else Scheduling(queue)
    try:
        while not stopping:
            load_classifier()  # the child inherits it rather than load it again
            parent = os.getpid()
            name = f"{socket.gethostname()}.{parent}.{uuid.uuid4().hex[:8]}"
            child = os.fork()
            if child == 0:
                code = 1
                try:
                    code = _run_child(parent, name, queue, burst=burst, level=level)
                finally:
                    os._exit(code)
            status = _wait_for(child, name, queue.connection, scheduling)
            child = 0
            if status != 0:
                try:
                    _fail_lost_job(name, queue.connection, status)
                except RedisError as exc:
                    # The recovery sweep finds the job's version again without it.
                    log.warning("worker child %s ended, its job not recorded: %s", name, exc)
                # Not a fork a second while the child cannot start (Redis away, a bad
                # setting): the next one waits a poll.
                time.sleep(POLL_SECONDS)
            elif burst:
                break
    finally:
        if scheduling is not None:
            scheduling.stop()
        for number, handler in handlers.items():
            signal.signal(number, handler)
