"""``ged watch``: one thread per watched folder, until SIGINT or SIGTERM.

The filesystem side (stability, claims, done/ and failed/) is ``ingest.watch``; filing a
claimed file is the service ``ged.services.drops``, each in a unit of work of its own;
this module runs them and counts every outcome (``runtime.adapters.counters``, read by
the web process for /readyz and the administration page). The archives' reply folder
(``[archives] reply_folder``) is one more such folder, whose files are recorded as
replies to transfers (``ged.services.reply_folder``).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from ged.bootstrap import Runtime
from ged.config import WatchedFolder
from ged.db import check_database
from ged.errors import ConfigError
from ged.ports import WatchCounters
from ged.services.drops import file_drop, folder_problem
from ged.services.reply_folder import (
    POLL_SECONDS,
    STABILITY_SECONDS,
    import_reply,
    reply_folder_problem,
)
from ingest.watch import Filed, FileDocument, FolderWatcher, Report, Result
from ingest.watch_files import Drop

log = logging.getLogger("ged.watch")


@dataclass(frozen=True)
class _Watch:
    """One folder to watch, whatever its files become."""

    path: Path
    #: how the log names what the folder is for
    purpose: str
    poll_seconds: float
    watcher: FolderWatcher
    problem: Callable[[], str | None]


def run_watchers(runtime: Runtime) -> int:
    """Watch every configured folder until SIGINT or SIGTERM; return the exit status.

    The caller built ``runtime`` and closes it afterwards (which sends the last counters)."""
    settings = runtime.settings
    if not settings.watch.folders and settings.archives.reply_folder is None:
        raise ConfigError(
            "no watched folder is configured: add [[watch.folders]] tables "
            "(or an [archives] reply_folder)"
        )
    logging.basicConfig(
        level=settings.logging.level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    check_database(runtime.engine)
    watches = [_station_watch(runtime, folder) for folder in settings.watch.folders]
    if settings.archives.reply_folder is not None:
        watches.append(reply_watch(runtime, settings.archives.reply_folder))
    stopping = threading.Event()

    def stop() -> None:
        stopping.set()
        for watch in watches:
            watch.watcher.stop()

    signal.signal(signal.SIGINT, lambda _signum, _frame: stop())
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop())
    crashed: list[_Watch] = []
    threads = [
        threading.Thread(
            target=_watch_folder,
            args=(watch, stopping, crashed, stop),
            name=f"watch {watch.path}",
        )
        for watch in watches
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return 1 if crashed else 0


def _station_watch(runtime: Runtime, folder: WatchedFolder) -> _Watch:
    def problem() -> str | None:
        with runtime.unit_of_work() as uow:
            return folder_problem(uow, folder)

    watcher = FolderWatcher(
        folder.path,
        folder.subfolders,
        folder.after,
        folder.stability_seconds,
        folder.poll_seconds,
        make_filer(runtime, folder),
        make_reporter(folder, runtime.adapters.counters),
    )
    return _Watch(
        folder.path, f"as station {folder.station!r}", folder.poll_seconds, watcher, problem
    )


def reply_watch(
    runtime: Runtime, path: Path, stability_seconds: float = STABILITY_SECONDS
) -> _Watch:
    """The archives' reply folder: each file recorded as a reply, in a unit of work of its own."""

    def record(drop: Drop) -> Filed:
        with runtime.unit_of_work() as uow:
            return import_reply(uow, drop)

    def report(result: Result) -> None:
        if result.outcome == "taken":
            return
        where = result.destination.relative_to(path) if result.destination else None
        if result.outcome == "filed":
            log.info(
                "%s: %s recorded for transfer %s -> %s",
                path,
                result.drop.origin,
                result.document_id,
                where,
            )
        elif result.outcome == "failed":
            log.warning("%s: %s refused: %s -> %s", path, result.drop.origin, result.reason, where)
        else:
            log.warning("%s: %s postponed: %s", path, result.drop.origin, result.reason)

    watcher = FolderWatcher(path, (), "move", stability_seconds, POLL_SECONDS, record, report)
    return _Watch(
        path, "for the archives' replies", POLL_SECONDS, watcher, lambda: reply_folder_problem(path)
    )


def _watch_folder(
    watch: _Watch,
    stopping: threading.Event,
    crashed: list[_Watch],
    stop_all: Callable[[], None],
) -> None:
    """One folder's thread. A bug stops the whole watcher (status 1, so a supervisor
    notices) rather than leave a folder silently unwatched."""
    try:
        if _wait_until_usable(watch, stopping):
            log.info("watching %s %s", watch.path, watch.purpose)
            watch.watcher.run()
    except Exception:
        log.exception("watched folder %s: the watcher stopped on an unexpected error", watch.path)
        crashed.append(watch)
        stop_all()


def _wait_until_usable(watch: _Watch, stopping: threading.Event) -> bool:
    """Report what prevents watching the folder, once, and check again every poll interval:
    a share mounted late or a station account created after start-up needs no restart.
    False when asked to stop first."""
    reported = None
    while not stopping.is_set():
        problem = watch.problem()
        if problem is None:
            return True
        if problem != reported:
            log.error("%s; checking again every %s s", problem, watch.poll_seconds)
            reported = problem
        stopping.wait(watch.poll_seconds)
    return False


def make_filer(runtime: Runtime, folder: WatchedFolder) -> FileDocument:
    """The callback that files one claimed file, in a unit of work of its own."""

    def file_document(drop: Drop) -> Filed:
        with runtime.unit_of_work() as uow:
            return file_drop(uow, folder, drop)

    return file_document


def make_reporter(folder: WatchedFolder, counters: WatchCounters) -> Report:
    """Count every outcome; log one line per file once it is settled (or postponed)."""

    def report(result: Result) -> None:
        counters.add(folder.path, result.outcome)
        if result.outcome != "taken":
            level = logging.INFO if result.outcome in ("filed", "duplicate") else logging.WARNING
            log.log(level, "%s", describe(result, folder))

    return report


def describe(result: Result, folder: WatchedFolder) -> str:
    where = "deleted"
    if result.destination is not None:
        where = str(result.destination.relative_to(folder.path))
    head = f"{folder.path}: {result.drop.origin}"
    if result.outcome == "filed":
        return f"{head} filed as document {result.document_id} -> {where}"
    if result.outcome == "duplicate":
        return f"{head} duplicate of document {result.document_id}, not filed again -> {where}"
    if result.outcome == "failed":
        return f"{head} failed: {result.reason} -> {where}"
    return f"{head} postponed: {result.reason}; kept claimed, retried in {folder.poll_seconds} s"
