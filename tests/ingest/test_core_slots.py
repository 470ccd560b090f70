"""The host's cores shared by its workers' page processes (ingest.processes.CoreSlots)."""

from __future__ import annotations

import os
import signal
import threading
import time
from pathlib import Path

from ingest.processes import CoreSlots, Stopped, run_isolated

SECONDS = 1.0  # each call's length: long beside a fork, so that overlaps are certain


def span(spans: Path, name: str, _workdir: Path) -> str:
    started = time.time()
    time.sleep(SECONDS)
    (spans / name).write_text(f"{started} {time.time()}")
    return name


def most_at_once(spans: Path) -> int:
    edges = []
    for path in spans.iterdir():
        started, ended = map(float, path.read_text().split())
        edges += [(started, 1), (ended, -1)]
    running = peak = 0
    for _, step in sorted(edges):  # an end sorts before a start at the same instant
        running += step
        peak = max(peak, running)
    return peak


def test_two_workers_run_no_more_page_processes_than_cores_between_them(tmp_path):
    cores = CoreSlots(tmp_path / "cores", 2)
    spans = tmp_path / "spans"
    spans.mkdir()

    def worker(name: str) -> None:  # a worker's job, OCR-ing 2 pages 2 at a time if it may
        calls = [lambda w, n=f"{name}-{page}": span(spans, n, w) for page in range(2)]
        assert run_isolated(calls, processes=2, timeout=30, cores=cores) == [
            f"{name}-0",
            f"{name}-1",
        ]

    workers = [threading.Thread(target=worker, args=(name,)) for name in ("a", "b")]
    for thread in workers:
        thread.start()
    for thread in workers:
        thread.join()
    assert len(list(spans.iterdir())) == 4
    assert most_at_once(spans) == 2  # not 4, and every core used


def test_a_page_process_killed_frees_its_core(tmp_path):
    cores = CoreSlots(tmp_path / "cores", 1)

    def die(_workdir: Path) -> None:
        os.kill(os.getpid(), signal.SIGKILL)

    (outcome,) = run_isolated([die], processes=1, timeout=30, cores=cores)
    assert isinstance(outcome, Stopped)
    slot = cores.take()
    assert slot is not None
    os.close(slot)
