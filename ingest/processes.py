"""Running calls in forked children, a few at a time, each killable on its own.

A page that crashes, exhausts memory or hangs in C code (pdfium, image decoders,
tesseract) takes down its own process only, never the worker that asked for it.
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import multiprocessing
import os
import shutil
import signal
import tempfile
import time
from collections import deque
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection, wait
from multiprocessing.context import ForkContext
from multiprocessing.process import BaseProcess
from pathlib import Path
from typing import Any, TypeVar

from ingest.pages import Stopped

T = TypeVar("T")

#: seconds a page process may take to exit once it has sent its result
EXIT_GRACE = 5.0
#: seconds between two looks for a free core when every one of the host's is taken
SLOT_POLL = 0.1


def default_processes() -> int:
    """One per core this process may run on (cgroup CPU quotas aside)."""
    return len(os.sched_getaffinity(0))


class CoreSlots:
    """The host's cores as lock files in ``directory``, one per core: a page process holds
    one for its whole life (an flock, which the kernel releases however the process ends),
    so that all the workers of a host together run at most one page process per core,
    while a worker alone on the host may use every core for its document's pages."""

    def __init__(self, directory: Path, count: int) -> None:
        self.directory, self.count = directory, count
        directory.mkdir(mode=0o700, parents=True, exist_ok=True)

    def take(self) -> int | None:
        """The locked descriptor of a free slot, or None when every core is taken."""
        for slot in range(self.count):
            descriptor = os.open(
                self.directory / f"core-{slot}.lock", os.O_RDWR | os.O_CREAT, 0o600
            )
            try:
                fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return descriptor
            except BlockingIOError:
                os.close(descriptor)
        return None

    def wait_for_one(self) -> int:
        while (descriptor := self.take()) is None:
            time.sleep(SLOT_POLL)
        return descriptor


def host_cores() -> CoreSlots:
    """This host's cores, shared by its workers (each host has its own temporary directory)."""
    return CoreSlots(Path(tempfile.gettempdir()) / f"ged-cores-{os.getuid()}", default_processes())


def run_isolated(
    calls: Sequence[Callable[[Path], T]],
    *,
    processes: int,
    timeout: float,
    cores: CoreSlots | None = None,
) -> list[T | Stopped]:
    """Run each call in its own forked process, ``processes`` at a time, in order of the list,
    and with ``cores`` only while one of them is free (at least one process always runs).

    Each call gets a scratch directory, removed when its process ends however it ends,
    so temporary images never pile up. A call that overruns ``timeout`` seconds is
    killed with everything it started. If the caller is interrupted (an RQ job timeout
    raises in it), the processes still running are killed before the exception goes on.
    """
    context = multiprocessing.get_context("fork")  # measured: 5 ms a page; spawn costs 200 ms
    results: list[T | Stopped] = [Stopped("not run")] * len(calls)
    waiting = deque(range(len(calls)))
    running: dict[int, _Child] = {}
    try:
        while waiting or running:
            while waiting and len(running) < max(1, processes):
                slot = None
                if cores is not None:
                    slot = cores.take() if running else cores.wait_for_one()
                    if slot is None:
                        break  # every core taken: look again when one of ours ends, or soon
                index = waiting.popleft()
                running[index] = _Child.start(context, calls[index], timeout, slot)
            next_look = time.monotonic() + SLOT_POLL if cores and waiting else float("inf")
            wait(
                [c.reader for c in running.values()]
                + [c.process.sentinel for c in running.values()],
                timeout=max(
                    0.0, min(next_look, *(c.deadline for c in running.values())) - time.monotonic()
                ),
            )
            for index, child in list(running.items()):
                outcome = child.outcome()
                if outcome is not _Child.RUNNING:
                    results[index] = outcome
                    del running[index]
    finally:
        for child in running.values():
            child.stop()
    return results


class _Child:
    RUNNING = object()

    def __init__(
        self, process: BaseProcess, reader: Connection, deadline: float, workdir: Path
    ) -> None:
        self.process, self.reader, self.deadline, self.workdir = process, reader, deadline, workdir

    @classmethod
    def start(
        cls,
        context: ForkContext,
        call: Callable[[Path], object],
        timeout: float,
        slot: int | None = None,
    ) -> _Child:
        """``slot``: a core's locked descriptor, handed over to the child (which holds the
        lock until it ends) and closed here."""
        workdir = Path(tempfile.mkdtemp(prefix="ged-ocr-"))
        reader, writer = context.Pipe(duplex=False)
        process = context.Process(
            target=_child_main, args=(call, workdir, writer, os.getpid()), daemon=True
        )
        try:
            process.start()
        finally:
            if slot is not None:
                os.close(slot)
        writer.close()  # the child's end: once it exits, reading gives EOF instead of blocking
        # As the child does, so that the group exists whichever runs first; an error means
        # the child did it already, or is gone.
        pid = process.pid
        assert pid is not None  # set by start()
        with contextlib.suppress(OSError):
            os.setpgid(pid, pid)
        return cls(process, reader, time.monotonic() + timeout, workdir)

    def outcome(self) -> Any:
        """What the child sent (its call's result), a Stopped, or RUNNING."""
        if self.reader.poll():
            try:
                value = self.reader.recv()
            except EOFError:
                self.process.join()
                value = Stopped(_death(self.process.exitcode))
            self._cleanup()
            return value
        if time.monotonic() >= self.deadline:
            self.stop()
            return Stopped("took too long and was stopped")
        return self.RUNNING

    def stop(self) -> None:
        self._kill()
        self._cleanup()

    def _kill(self) -> None:
        pid = self.process.pid
        assert pid is not None  # set by start()
        try:
            os.killpg(pid, signal.SIGKILL)
        except OSError:
            self.process.kill()

    def _cleanup(self) -> None:
        self.process.join(EXIT_GRACE)
        if self.process.is_alive():  # sent its result but does not exit: it has nothing more
            self._kill()
            self.process.join()
        self.reader.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


def _death(exitcode: int | None) -> str:
    if exitcode is not None and exitcode < 0:
        return f"the process reading it died ({signal.Signals(-exitcode).name})"
    return f"the process reading it exited with status {exitcode}"


def _child_main(
    call: Callable[[Path], object], workdir: Path, writer: Connection, parent: int
) -> None:
    _detach(parent)
    tempfile.tempdir = str(workdir)  # pytesseract's own temporary files go there too
    os.environ["OMP_THREAD_LIMIT"] = "1"  # one page per core: tesseract must not spread
    try:
        result = call(workdir)
    except Exception as error:  # an unforeseen bug on a strange page: report it, as text
        result = Stopped(f"{type(error).__name__}: {error}")
    writer.send(result)


def _detach(parent: int) -> None:
    """Own process group, killed with the caller: no tesseract outlives the job that wanted it."""
    os.setpgid(0, 0)
    signal.signal(signal.SIGTERM, lambda *_: os.killpg(0, signal.SIGKILL))
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    die_with_parent(parent, signal.SIGTERM)


def die_with_parent(parent: int, signum: int) -> None:
    """Be sent ``signum`` when ``parent``, this process's parent, ends (Linux's prctl)."""
    _PR_SET_PDEATHSIG = 1
    ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signum)
    if os.getppid() != parent:  # it ended before prctl took effect
        os.kill(os.getpid(), signum)
