"""``ged watch``: one thread per watched folder, until SIGINT or SIGTERM.

The filesystem side (stability, claims, done/ and failed/) is ``ingest.watch``; filing a
claimed file is the service ``ged.services.drops``, each in a unit of work of its own;
this module runs them and counts every outcome (``runtime.adapters.counters``, read by
the web process for /readyz and the administration page).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable

from ged.bootstrap import Runtime
from ged.config import WatchedFolder
from ged.db import check_database
from ged.errors import ConfigError
from ged.ports import WatchCounters
from ged.services.drops import file_drop, folder_problem
from ingest.watch import Filed, FileDocument, FolderWatcher, Report, Result
from ingest.watch_files import Drop

log = logging.getLogger("ged.watch")


def run_watchers(runtime: Runtime) -> int:
    """Watch every configured folder until SIGINT or SIGTERM; return the exit status.

    The caller built ``runtime`` and closes it afterwards (which sends the last counters)."""
    settings = runtime.settings
    if not settings.watch.folders:
        raise ConfigError("no watched folder is configured: add [[watch.folders]] tables")
    logging.basicConfig(
        level=settings.logging.level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    check_database(runtime.engine)
    watchers = [_watcher(runtime, folder) for folder in settings.watch.folders]
    stopping = threading.Event()

    def stop() -> None:
        stopping.set()
        for watcher in watchers:
            watcher.stop()

    signal.signal(signal.SIGINT, lambda _signum, _frame: stop())
    signal.signal(signal.SIGTERM, lambda _signum, _frame: stop())
    crashed: list[WatchedFolder] = []
    threads = [
        threading.Thread(
            target=_watch_folder,
            args=(runtime, folder, watcher, stopping, crashed, stop),
            name=f"watch {folder.path}",
        )
        for folder, watcher in zip(settings.watch.folders, watchers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return 1 if crashed else 0


def _watcher(runtime: Runtime, folder: WatchedFolder) -> FolderWatcher:
    return FolderWatcher(
        folder.path,
        folder.subfolders,
        folder.after,
        folder.stability_seconds,
        folder.poll_seconds,
        make_filer(runtime, folder),
        make_reporter(folder, runtime.adapters.counters),
    )


def _watch_folder(
    runtime: Runtime,
    folder: WatchedFolder,
    watcher: FolderWatcher,
    stopping: threading.Event,
    crashed: list[WatchedFolder],
    stop_all: Callable[[], None],
) -> None:
    """One folder's thread. A bug stops the whole watcher (status 1, so a supervisor
    notices) rather than leave a folder silently unwatched."""
    try:
        if _wait_until_usable(runtime, folder, stopping):
            log.info("watching %s as station %r", folder.path, folder.station)
            watcher.run()
    except Exception:
        log.exception("watched folder %s: the watcher stopped on an unexpected error", folder.path)
        crashed.append(folder)
        stop_all()


def _wait_until_usable(runtime: Runtime, folder: WatchedFolder, stopping: threading.Event) -> bool:
    """Report what prevents watching the folder, once, and check again every poll interval:
    a share mounted late or a station account created after start-up needs no restart.
    False when asked to stop first."""
    reported = None
    while not stopping.is_set():
        with runtime.unit_of_work() as uow:
            problem = folder_problem(uow, folder)
        if problem is None:
            return True
        if problem != reported:
            log.error("%s; checking again every %s s", problem, folder.poll_seconds)
            reported = problem
        stopping.wait(folder.poll_seconds)
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
