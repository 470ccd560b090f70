"""`ged worker` runs its jobs in a long-lived forked child: many jobs in one child, and
still what a child per job gave: a crash takes only the child down (its job is recorded
as failed, the next job runs in a new child), a job over its timeout is stopped, and a
worker SIGKILLed leaves no job running behind it."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from rq import Queue
from rq.job import Job, JobStatus

from tests.migrated import migrate
from tests.processes import kill_group, run_worker_burst, start_worker, wait_until
from tests.relay import relay_to
from workers import job_child
from workers.queue import redis_client


def record_pid(record: str) -> None:
    with open(record, "a") as out:
        out.write(f"{os.getpid()}\n")


def crash(record: str, how: int) -> None:
    record_pid(record)
    os.kill(os.getpid(), how)


def record_and_sleep(record: str, seconds: float) -> None:
    record_pid(record)
    time.sleep(seconds)


def queue_of(settings) -> Queue:
    return Queue(settings.redis.queue, connection=redis_client(settings.redis.url))


def pids(record: Path) -> list[int]:
    return [int(pid) for pid in record.read_text().split()] if record.exists() else []


def test_many_jobs_run_in_one_child_of_the_worker(sqlite_api, tmp_path):
    record = tmp_path / "pids"
    queue = queue_of(sqlite_api.settings)
    jobs = [queue.enqueue(record_pid, str(record)) for _ in range(5)]

    run_worker_burst(sqlite_api.settings, None)

    assert [job.get_status(refresh=True) for job in jobs] == [JobStatus.FINISHED] * 5
    assert len(set(pids(record))) == 1
    assert pids(record)[0] != os.getpid()


def test_a_crashing_job_is_recorded_failed_and_the_next_runs_in_a_new_child(sqlite_api, tmp_path):
    record = tmp_path / "pids"
    queue = queue_of(sqlite_api.settings)
    aborted = queue.enqueue(crash, str(record), signal.SIGABRT)
    segfault = queue.enqueue(crash, str(record), signal.SIGSEGV)
    after = queue.enqueue(record_pid, str(record))

    run_worker_burst(sqlite_api.settings, None)

    for job, number in ((aborted, signal.SIGABRT), (segfault, signal.SIGSEGV)):
        assert job.get_status(refresh=True) == JobStatus.FAILED
        assert (
            f"signal {int(number)}"
            in Job.fetch(job.id, queue.connection).latest_result().exc_string
        )
    assert after.get_status(refresh=True) == JobStatus.FINISHED
    assert len(set(pids(record))) == 3, "each job after a crash runs in a new child"


def test_a_job_over_its_timeout_is_stopped(sqlite_api, tmp_path):
    record = tmp_path / "pids"
    queue = queue_of(sqlite_api.settings)
    slow = queue.enqueue(record_and_sleep, str(record), 600, job_timeout=1)
    after = queue.enqueue(record_pid, str(record))

    run_worker_burst(sqlite_api.settings, None)

    assert slow.get_status(refresh=True) == JobStatus.FAILED
    assert "JobTimeoutException" in slow.latest_result().exc_string
    assert after.get_status(refresh=True) == JobStatus.FINISHED


def test_a_worker_killed_leaves_no_job_running(sqlite_api, tmp_path):
    record = tmp_path / "pids"
    queue_of(sqlite_api.settings).enqueue(record_and_sleep, str(record), 3600)
    worker = start_worker(sqlite_api.settings)
    try:
        wait_until(lambda: pids(record), 60, "the job to start")
    finally:
        worker.kill()  # the worker alone: its job child has a process group of its own
        worker.wait(timeout=30)
    (job_pid,) = pids(record)
    wait_until(lambda: not Path(f"/proc/{job_pid}").exists(), 10, "the job to die with its worker")


def test_a_worker_stopped_by_sigterm_finishes_its_job_first(sqlite_api, tmp_path):
    record = tmp_path / "pids"
    job = queue_of(sqlite_api.settings).enqueue(record_and_sleep, str(record), 3)
    worker = start_worker(sqlite_api.settings)
    try:
        wait_until(lambda: pids(record), 60, "the job to start")
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=60) == 0
    finally:
        worker.kill()
    assert job.get_status(refresh=True) == JobStatus.FINISHED


def deaf_to_alarms(record: str) -> None:
    """A job RQ's death penalty cannot stop, like one stuck in C code."""
    signal.signal(signal.SIGALRM, signal.SIG_IGN)
    record_and_sleep(record, 600)


def test_a_job_deaf_to_its_timeout_is_killed_with_its_child(sqlite_api, tmp_path, monkeypatch):
    monkeypatch.setattr(job_child, "HARD_KILL_GRACE", 2.0)
    record = tmp_path / "pids"
    queue = queue_of(sqlite_api.settings)
    stuck = queue.enqueue(deaf_to_alarms, str(record), job_timeout=1)
    after = queue.enqueue(record_pid, str(record))

    run_worker_burst(sqlite_api.settings, None)

    assert stuck.get_status(refresh=True) == JobStatus.FAILED
    assert f"signal {int(signal.SIGKILL)}" in stuck.latest_result().exc_string
    assert after.get_status(refresh=True) == JobStatus.FINISHED


def test_a_worker_outlives_redis_going_away_and_works_when_it_is_back(
    make_settings, redis_url, tmp_path
):
    record = tmp_path / "pids"
    with relay_to(redis_url) as redis:
        settings = make_settings(redis={"url": redis.url})
        migrate(settings.database.url)
        worker = start_worker(settings)
        try:
            queue_of(settings).enqueue(record_pid, str(record))
            wait_until(lambda: pids(record), 60, "the first job to run")
            redis.cut()
            # The worker watches its child's job each second, and the child waits for
            # jobs: both meet the refused connections, for several rounds.
            time.sleep(2 + 2 * job_child.POLL_SECONDS)
            assert worker.poll() is None, "the worker stopped while Redis was away"
            redis.restore()
            queue_of(settings).enqueue(record_pid, str(record))
            wait_until(lambda: len(pids(record)) == 2, 60, "a job once Redis is back")
        finally:
            kill_group(worker)
