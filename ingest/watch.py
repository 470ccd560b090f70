"""Watched folders, the loop: rescan a folder, wait until dropped files are complete,
claim them, file them, and settle them in done/ or failed/. Filing is a callback
(``ged.watcher`` passes ``ged.services.drops.file_drop``), so this module knows nothing
of the database. The folder's layout, claims, moves and notes are ``ingest.watch_files``.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Literal

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

from ingest.watch_files import (
    Drop,
    Signature,
    claim,
    claimed_files,
    duplicate_note,
    error_note,
    move_to_done,
    move_to_failed,
    scan_folder,
)

log = logging.getLogger(__name__)

#: a burst of events (a large file being copied) causes at most one rescan per this many seconds
MIN_RESCAN_GAP = 0.2
UNEXPECTED_ADVICE = (
    "this is not a problem with the file as far as ged knows; send this note and the "
    "ged watch log to the administrator"
)


class StabilityTracker:
    """Remembers since when each file has had its current signature; a file is stable once
    that has lasted ``stability_seconds``. The clock is injectable so tests need not sleep."""

    def __init__(
        self, stability_seconds: float, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._delay = stability_seconds
        self._clock = clock
        self._seen: dict[Path, tuple[Signature, float]] = {}

    def update(self, scan: Mapping[Path, Signature]) -> dict[Path, Signature]:
        """Record a scan; return the stable files, longest stable first. Files absent from
        the scan are forgotten: they were moved away or deleted."""
        now = self._clock()
        seen = {}
        for path, signature in scan.items():
            previous = self._seen.get(path)
            unchanged_since = previous[1] if previous and previous[0] == signature else now
            seen[path] = (signature, unchanged_since)
        self._seen = seen
        stable = [path for path, (_, since) in seen.items() if now - since >= self._delay]
        stable.sort(key=lambda path: (seen[path][1], path))
        return {path: seen[path][0] for path in stable}

    def forget(self, path: Path) -> None:
        self._seen.pop(path, None)

    def seconds_until_due(self) -> float | None:
        """How long until the next tracked file may become stable; None when none is tracked."""
        if not self._seen:
            return None
        first = min(since for _, since in self._seen.values())
        return max(0.0, first + self._delay - self._clock())


@dataclass(frozen=True)
class Filed:
    document_id: int
    #: the same bytes already were document ``document_id``: nothing new was filed
    duplicate: bool = False


class Refused(Exception):
    """The file cannot become a document as it is: it goes to failed/ with this explanation."""

    def __init__(self, reason: str, advice: str) -> None:
        super().__init__(reason)
        self.reason = reason
        self.advice = advice


class Postponed(Exception):
    """Filing is impossible for now (database, blob store or station account unavailable):
    the file stays in .processing/ and the folder is tried again after the poll interval."""


Outcome = Literal["taken", "filed", "duplicate", "failed", "postponed"]


@dataclass(frozen=True)
class Result:
    """What happened to one file, for the log and the counters."""

    drop: Drop
    outcome: Outcome
    document_id: int | None = None
    #: where the file went; None while it is in .processing/, or once deleted
    destination: Path | None = None
    reason: str = ""


FileDocument = Callable[[Drop], Filed]
Report = Callable[[Result], None]


class FolderWatcher:
    """The loop for one folder: rescans on filesystem events and every ``poll_seconds``,
    takes what is stable, files it through ``file_document``, tells ``report`` the outcome."""

    def __init__(
        self,
        root: Path,
        subfolders: Iterable[str],
        after: Literal["move", "delete"],
        stability_seconds: float,
        poll_seconds: float,
        file_document: FileDocument,
        report: Report,
        clock: Callable[[], float] = time.monotonic,
        now: Callable[[], datetime] = lambda: datetime.now().astimezone(),
    ) -> None:
        self.root = root
        self.subfolders = tuple(subfolders)
        self.after = after
        self.poll_seconds = poll_seconds
        self._file_document = file_document
        self._report = report
        self._now = now
        self._tracker = StabilityTracker(stability_seconds, clock)
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._problem: str | None = None

    def stop(self) -> None:
        """Ask run() to return once the file in hand is finished."""
        self._stopping.set()
        self._wake.set()

    def run(self) -> None:
        observer = self._observe()
        try:
            while not self._stopping.is_set():
                self._wake.wait(self._guarded_pass())
                self._stopping.wait(MIN_RESCAN_GAP)
                self._wake.clear()
        finally:
            if observer is not None:
                observer.stop()
                observer.join()

    def run_pass(self) -> float:
        """Finish what .processing/ holds, then take the stable files; return the seconds
        until the next pass is useful."""
        try:
            for drop in claimed_files(self.root):
                if self._stopping.is_set():
                    break
                self._process(drop)
            stable = self._tracker.update(scan_folder(self.root, self.subfolders))
            for path, signature in stable.items():
                if self._stopping.is_set():
                    break
                self._take(path, signature)
        except Postponed:
            return self.poll_seconds
        due = self._tracker.seconds_until_due()
        return self.poll_seconds if due is None else min(due, self.poll_seconds)

    def _guarded_pass(self) -> float:
        """A filesystem error (share unmounted, permissions changed) is logged when it
        starts and when it ends, and the pass is tried again after the poll interval."""
        try:
            delay = self.run_pass()
        except OSError as exc:
            if str(exc) != self._problem:
                log.error(
                    "watched folder %s: %s; trying again every %s s",
                    self.root,
                    exc,
                    self.poll_seconds,
                )
            self._problem = str(exc)
            return self.poll_seconds
        if self._problem is not None:
            log.warning("watched folder %s: working again", self.root)
            self._problem = None
        return delay

    def _take(self, path: Path, signature: Signature) -> None:
        self._tracker.forget(path)
        drop = claim(self.root, path, signature)
        if drop is not None:
            self._report(Result(drop, "taken"))
            self._process(drop)

    def _process(self, drop: Drop) -> None:
        try:
            filed = self._file_document(drop)
        except Postponed as exc:
            self._report(Result(drop, "postponed", reason=str(exc)))
            raise
        except Refused as exc:
            self._fail(drop, exc.reason, exc.advice)
        except Exception as exc:  # a bug must not stop the station: set the file aside, say why
            log.exception("watched folder %s: unexpected error filing %s", self.root, drop.origin)
            self._fail(drop, f"unexpected error: {type(exc).__name__}: {exc}", UNEXPECTED_ADVICE)
        else:
            self._finish(drop, filed)

    def _finish(self, drop: Drop, filed: Filed) -> None:
        when = self._now()
        if filed.duplicate:
            note = duplicate_note(self.root, drop, filed.document_id, when)
            where = move_to_done(self.root, drop, when.date(), note)
            self._report(Result(drop, "duplicate", filed.document_id, where))
        elif self.after == "delete":
            drop.path.unlink()
            self._report(Result(drop, "filed", filed.document_id))
        else:
            where = move_to_done(self.root, drop, when.date())
            self._report(Result(drop, "filed", filed.document_id, where))

    def _fail(self, drop: Drop, reason: str, advice: str) -> None:
        note = error_note(self.root, drop, reason, advice, self._now())
        where = move_to_failed(self.root, drop, note)
        self._report(Result(drop, "failed", destination=where, reason=reason))

    def _observe(self) -> BaseObserver | None:
        """Events make a drop visible at once; without them (inotify limits, network
        filesystems) the periodic rescan still finds every file, only later."""
        logging.getLogger("watchdog.observers.inotify").addFilter(_quiet_stop)
        observer = Observer()
        handler = _WakeOnEvent(self._wake)
        try:
            for directory in (self.root, *(self.root / name for name in self.subfolders)):
                observer.schedule(handler, str(directory), recursive=False)
            observer.start()
        except OSError as exc:
            log.warning(
                "watched folder %s: no filesystem events (%s); rescanning every %s s",
                self.root,
                exc,
                self.poll_seconds,
            )
            return None
        return observer


def _quiet_stop(record: logging.LogRecord) -> bool:
    """watchdog logs an error when its inotify thread is stopped during a read, which a
    clean stop often does; nothing is lost, so that line is dropped."""
    return "called when the thread is inactive" not in record.getMessage()


class _WakeOnEvent(FileSystemEventHandler):
    def __init__(self, wake: threading.Event) -> None:
        self._wake = wake

    def on_any_event(self, event: FileSystemEvent) -> None:
        self._wake.set()
