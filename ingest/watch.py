"""Watched folders, the filesystem side: which dropped files are complete, how they are
claimed, and where they go afterwards. Filing is a callback (``ged.watching`` builds it),
so this module knows nothing of the database.

A watched folder is laid out as::

    <folder>/                what the scanner station drops, and its configured sub-folders
    <folder>/.processing/    files claimed by the watcher, under their sub-folder's name
    <folder>/done/<date>/    filed files; duplicates with <name>.duplicate.txt
    <folder>/failed/         refused files, with <name>.error.txt

No file is lost or filed twice because: a claim is a rename within one filesystem
(atomic); a file leaves ``.processing/`` only once its document is committed or it has
been refused; and filing a file whose bytes already are a document only reports the
duplicate, so finishing again what a killed watcher left in ``.processing/`` is safe.
One watcher per folder is assumed: renames never overwrite this watcher's own files, but
two watchers on one folder could race for a name.
"""

from __future__ import annotations

import logging
import os
import pwd
import stat
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver

log = logging.getLogger(__name__)

PROCESSING = ".processing"
DONE = "done"
FAILED = "failed"
RESERVED_NAMES = frozenset({PROCESSING, DONE, FAILED})
ERROR_NOTE = ".error.txt"
DUPLICATE_NOTE = ".duplicate.txt"
#: suffixes scanners and copy tools give a file while they are still writing it
TEMPORARY_SUFFIXES = (".part", ".tmp")
#: a burst of events (a large file being copied) causes at most one rescan per this many seconds
MIN_RESCAN_GAP = 0.2
UNEXPECTED_ADVICE = (
    "this is not a problem with the file as far as ged knows; send this note and the "
    "ged watch log to the administrator"
)


def is_temporary_name(name: str) -> bool:
    """Files still being written (``*.part``, ``*.tmp``), editors' lock files (``~*``) and
    hidden files (``.*``): never taken."""
    return name.startswith((".", "~")) or name.lower().endswith(TEMPORARY_SUFFIXES)


@dataclass(frozen=True)
class Signature:
    """What changes while a file is being written."""

    size: int
    mtime_ns: int


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
            unchanged = previous is not None and previous[0] == signature
            seen[path] = (signature, previous[1] if unchanged else now)
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


def scan_folder(root: Path, subfolders: Iterable[str]) -> dict[Path, Signature]:
    """The files waiting in the folder and its configured sub-folders (no deeper)."""
    found: dict[Path, Signature] = {}
    for directory in (root, *(root / name for name in subfolders)):
        found.update(_files_in(directory))
    return found


def _files_in(directory: Path) -> dict[Path, Signature]:
    try:
        with os.scandir(directory) as entries:
            candidates = [
                Path(entry.path)
                for entry in entries
                if not is_temporary_name(entry.name) and entry.is_file(follow_symlinks=False)
            ]
    except FileNotFoundError:
        return {}
    found = {}
    for path in candidates:
        signature = _signature(path)
        if signature is not None:
            found[path] = signature
    return found


def _signature(path: Path) -> Signature | None:
    try:
        status = path.stat(follow_symlinks=False)
    except FileNotFoundError:
        return None
    return Signature(status.st_size, status.st_mtime_ns)


@dataclass(frozen=True)
class Drop:
    """A claimed file: where it is now (in .processing/), and the sub-folder it was dropped in."""

    path: Path
    #: "" for the watched folder itself
    subfolder: str

    @property
    def name(self) -> str:
        return self.path.name

    @property
    def origin(self) -> str:
        """Where it was dropped, relative to the watched folder, printable in a log or a note
        (a control character in a name must not reach a terminal)."""
        origin = f"{self.subfolder}/{self.name}" if self.subfolder else self.name
        return "".join(char if char.isprintable() else ascii(char)[1:-1] for char in origin)


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


class FolderProblem(Exception):
    """The folder cannot be watched; the message names it and says why, in one line."""


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


def prepare_folder(root: Path, subfolders: Iterable[str]) -> None:
    """Create the working directories and prove the watcher may move files out of the folder
    and into them; raise FolderProblem otherwise."""
    subfolders = list(subfolders)
    bad = [name for name in subfolders if not _plain_name(name) or name in RESERVED_NAMES]
    if bad:
        raise FolderProblem(
            f"watched folder {root}: sub-folder name(s) {', '.join(map(repr, bad))} are not "
            f"allowed (one plain, visible name each, other than {', '.join(sorted(RESERVED_NAMES))})"
        )
    try:
        is_directory = stat.S_ISDIR(root.stat().st_mode)
    except FileNotFoundError:
        raise FolderProblem(f"watched folder {root}: it does not exist") from None
    except OSError as exc:  # a parent without access, a share that does not answer
        raise FolderProblem(
            f"watched folder {root}: cannot be reached ({exc.strerror or exc})"
        ) from None
    if not is_directory:
        raise FolderProblem(f"watched folder {root}: it is not a directory")
    for directory in (root, *(root / name for name in (PROCESSING, DONE, FAILED, *subfolders))):
        try:
            directory.mkdir(exist_ok=True)
            os.listdir(directory)
            with tempfile.NamedTemporaryFile(dir=directory, prefix=".ged-probe-"):
                pass
        except OSError as exc:
            raise FolderProblem(
                f"watched folder {root}: cannot list and write {directory} "
                f"({exc.strerror or exc}); the account running ged watch ({_account()}) needs "
                "read and write access"
            ) from None


def _plain_name(name: str) -> bool:
    return bool(name) and "/" not in name and "\\" not in name and not is_temporary_name(name)


def _account() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:  # containers often run with a uid that has no name
        return f"uid {os.geteuid()}"


def claim(root: Path, path: Path, expected: Signature) -> Drop | None:
    """Move a stable file into .processing/ by an atomic rename, keeping its sub-folder.

    None when the file changed since it was judged stable (its writer resumed), went away,
    or a file of that name is still in .processing/ (it is never overwritten)."""
    relative = path.relative_to(root)
    target = root / PROCESSING / relative
    if _signature(path) != expected or target.exists():
        return None
    target.parent.mkdir(exist_ok=True)
    try:
        os.rename(path, target)
    except FileNotFoundError:
        return None
    subfolder = relative.parent.as_posix()
    return Drop(target, "" if subfolder == "." else subfolder)


def claimed_files(root: Path) -> list[Drop]:
    """What .processing/ holds: files claimed by a run that stopped before finishing them."""
    processing = root / PROCESSING
    drops = [Drop(path, "") for path in _files_in(processing)]
    with os.scandir(processing) as entries:
        subfolders = [entry.name for entry in entries if entry.is_dir(follow_symlinks=False)]
    for name in subfolders:
        drops += [Drop(path, name) for path in _files_in(processing / name)]
    return sorted(drops, key=lambda drop: drop.path)


def free_name(directory: Path, name: str) -> str:
    """``name``, else ``stem (2).ext``, ``stem (3).ext``…: the first that neither a file nor
    one of its notes uses, so nothing in done/ or failed/ is ever overwritten."""
    stem, suffix = Path(name).stem, Path(name).suffix
    candidate, number = name, 1
    while any(
        (directory / (candidate + extra)).exists() for extra in ("", ERROR_NOTE, DUPLICATE_NOTE)
    ):
        number += 1
        candidate = f"{stem} ({number}){suffix}"
    return candidate


def move_to_done(root: Path, drop: Drop, day: date, note: str | None = None) -> Path:
    return _move_with_note(drop.path, root / DONE / day.isoformat(), DUPLICATE_NOTE, note)


def move_to_failed(root: Path, drop: Drop, note: str) -> Path:
    return _move_with_note(drop.path, root / FAILED, ERROR_NOTE, note)


def _move_with_note(path: Path, directory: Path, note_suffix: str, note: str | None) -> Path:
    """The note is written before the file moves, so a file in done/ or failed/ always has
    its note (a crash in between leaves a stray note and the file still claimed)."""
    directory.mkdir(parents=True, exist_ok=True)
    name = free_name(directory, path.name)
    if note is not None:
        with open(directory / (name + note_suffix), "x", encoding="utf-8") as handle:
            handle.write(note)
    target = directory / name
    os.rename(path, target)
    return target


def error_note(root: Path, drop: Drop, reason: str, advice: str, when: datetime) -> str:
    return (
        f"File: {drop.origin}\n"
        f"Watched folder: {root}\n"
        f"When: {when:%Y-%m-%d %H:%M:%S %z}\n"
        f"What went wrong: {reason}\n"
        f"What to do: {advice}\n"
        f"To try again, move the file back into {root / drop.subfolder}; it will be taken again.\n"
    )


def duplicate_note(root: Path, drop: Drop, document_id: int, when: datetime) -> str:
    return (
        f"File: {drop.origin}\n"
        f"Watched folder: {root}\n"
        f"When: {when:%Y-%m-%d %H:%M:%S %z}\n"
        f"Not filed again: its content is identical, byte for byte, to document {document_id}.\n"
        "Nothing to do, unless this file was meant to be another document: then scan it again.\n"
        f"(If ged was stopped while filing this file, document {document_id} is this very file.)\n"
    )


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
