"""``ged watch``: what scanner stations drop into watched folders becomes documents, filed as
the station through the same service as an API upload, then queued for the pipeline.

The filesystem side (stability, claims, done/ and failed/) is ``ingest.watch`` and
``ingest.watch_files``; this module supplies what it cannot know: the station's identity,
the folder's defaults, the database, and counters that the web process reads from Redis
(``ged.watch_counters``).
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from ged.access import Principal, may_file_into_unit, principal_for
from ged.config import Settings, WatchedFolder
from ged.db import check_database, make_engine, make_session_factory
from ged.errors import (
    ConfigError,
    GedError,
    InvalidInput,
    PermissionDenied,
    ServiceUnavailable,
    TooLarge,
)
from ged.models import DocumentType, Group, Unit, User
from ged.services.documents import Metadata, Upload, create_document, document_with_content
from ged.storage import BlobStore, hash_stream, make_blob_store
from ged.watch_counters import Counters

# Re-exported: ged.web.ui.admin_tokens imports read_counters from here.
from ged.watch_counters import read_counters as read_counters
from ingest.watch import (
    Filed,
    FileDocument,
    FolderWatcher,
    Postponed,
    Refused,
    Report,
    Result,
)
from ingest.watch_files import Drop, FolderProblem, prepare_folder
from workers.queue import enqueue_versions

log = logging.getLogger("ged.watch")

TYPE_PREFIX = "type:"


def run_watchers(settings: Settings) -> int:
    """Watch every configured folder until SIGINT or SIGTERM; return the exit status."""
    if not settings.watch.folders:
        raise ConfigError("no watched folder is configured: add [[watch.folders]] tables")
    logging.basicConfig(
        level=settings.logging.level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    engine = make_engine(settings.database)
    check_database(engine)
    sessions = make_session_factory(engine)
    store = make_blob_store(settings.storage)
    counters = Counters(settings)
    stopping = threading.Event()
    watchers = [
        FolderWatcher(
            folder.path,
            folder.subfolders,
            folder.after,
            folder.stability_seconds,
            folder.poll_seconds,
            make_filer(settings, folder, sessions, store),
            make_reporter(folder, counters),
        )
        for folder in settings.watch.folders
    ]

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
            args=(folder, watcher, sessions, stopping, crashed, stop),
            name=f"watch {folder.path}",
        )
        for folder, watcher in zip(settings.watch.folders, watchers, strict=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    counters.close()
    engine.dispose()
    return 1 if crashed else 0


def _watch_folder(
    folder: WatchedFolder,
    watcher: FolderWatcher,
    sessions: sessionmaker[Session],
    stopping: threading.Event,
    crashed: list[WatchedFolder],
    stop_all: Callable[[], None],
) -> None:
    """One folder's thread. A bug stops the whole watcher (status 1, so a supervisor
    notices) rather than leave a folder silently unwatched."""
    try:
        if _wait_until_usable(folder, sessions, stopping):
            log.info("watching %s as station %r", folder.path, folder.station)
            watcher.run()
    except Exception:
        log.exception("watched folder %s: the watcher stopped on an unexpected error", folder.path)
        crashed.append(folder)
        stop_all()


def _wait_until_usable(
    folder: WatchedFolder, sessions: sessionmaker[Session], stopping: threading.Event
) -> bool:
    """Report what prevents watching the folder, once, and check again every poll interval:
    a share mounted late or a station account created after start-up needs no restart.
    False when asked to stop first."""
    reported = None
    while not stopping.is_set():
        with sessions() as session:
            problem = folder_problem(session, folder)
        if problem is None:
            return True
        if problem != reported:
            log.error("%s; checking again every %s s", problem, folder.poll_seconds)
            reported = problem
        stopping.wait(folder.poll_seconds)
    return False


def folder_problem(session: Session, folder: WatchedFolder) -> str | None:
    """Why the folder cannot be watched, in one line naming it; None when it can."""
    try:
        prepare_folder(folder.path, folder.subfolders)
        problem = _configuration_problem(session, folder)
    except FolderProblem as exc:
        return str(exc)
    except SQLAlchemyError as exc:
        problem = f"database error: {str(getattr(exc, 'orig', None) or exc).strip()}"
    return None if problem is None else f"watched folder {folder.path}: {problem}"


def _configuration_problem(session: Session, folder: WatchedFolder) -> str | None:
    """Names in the configuration that the database does not know: checked at start-up so
    that a typo is one log line, not every scan of the day in failed/."""
    user = session.scalars(select(User).where(User.username == folder.station)).one_or_none()
    if user is None:
        return (
            f"station account {folder.station!r} does not exist "
            f"(create it: ged user create {folder.station} --role station)"
        )
    if user.role != "station":
        return f"account {folder.station!r} has role {user.role!r}; a watched folder needs a station account"
    if not user.is_active:
        return f"station account {folder.station!r} is disabled"
    if folder.unit:
        unit = session.scalars(select(Unit).where(Unit.name == folder.unit)).one_or_none()
        if unit is None:
            return f"unit {folder.unit!r} does not exist (ged unit create)"
        if not may_file_into_unit(session, principal_for(user), unit.id):
            return f"station account {folder.station!r} may not file into unit {folder.unit!r}: give it write access to the unit"
    for code in _type_codes(folder):
        if session.scalar(select(DocumentType.id).where(DocumentType.code == code)) is None:
            return f"document type {code!r} does not exist"
    if folder.group and session.scalar(select(Group.id).where(Group.name == folder.group)) is None:
        return f"group {folder.group!r} does not exist (ged group create)"
    return None


def _type_codes(folder: WatchedFolder) -> list[str]:
    codes = [] if folder.document_type == "classify" else [folder.document_type]
    for target in folder.subfolders.values():
        if target.startswith(TYPE_PREFIX) and target != TYPE_PREFIX + "classify":
            codes.append(target.removeprefix(TYPE_PREFIX))
    return codes


def metadata_for(folder: WatchedFolder, subfolder: str) -> Metadata:
    """The folder's defaults, with what its sub-folder adds: a tag, or a document type."""
    document_type = folder.document_type
    tags = list(folder.tags)
    target = folder.subfolders.get(subfolder, "")
    if target.startswith(TYPE_PREFIX):
        document_type = target.removeprefix(TYPE_PREFIX)
    elif target:
        tags.append(target)
    return Metadata(
        document_type=None if document_type == "classify" else document_type,
        unit=folder.unit or None,
        tags=tuple(tags),
    )


def make_filer(
    settings: Settings,
    folder: WatchedFolder,
    sessions: sessionmaker[Session],
    store: BlobStore,
) -> FileDocument:
    """The callback that files one claimed file as the folder's station, like an API upload."""
    max_size = settings.web.max_upload_mb * 1024 * 1024
    grants = {folder.group: folder.group_permission} if folder.group else None

    def file_document(drop: Drop) -> Filed:
        with sessions() as session, _translated_errors(folder, settings.web.max_upload_mb):
            principal = _station(session, folder.station)
            with _opened(drop) as stream:
                sha256 = _hash_source(stream)
                # Also what makes finishing a claim again after a crash safe.
                existing = document_with_content(session, sha256)
                if existing is not None:
                    return Filed(existing.id, duplicate=True)
                stream.seek(0)
                version = create_document(
                    session,
                    store,
                    principal,
                    Upload(stream, drop.name),
                    metadata_for(folder, drop.subfolder),
                    max_size,
                    group_grants=grants,
                )
        _queue_pipeline(settings, version.id)
        return Filed(version.document_id)

    return file_document


def _queue_pipeline(settings: Settings, version_id: int) -> None:
    """After the commit the file is filed, whatever happens here: an error must not send it
    to failed/. A version left unqueued stays pending, and worker recovery queues it."""
    try:
        enqueue_versions(settings, [version_id])
    except Exception:
        log.exception("version %s is filed but could not be queued for the pipeline", version_id)


def _station(session: Session, username: str) -> Principal:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None or user.role != "station" or not user.is_active:
        raise Postponed(f"station account {username!r} is missing, disabled or not a station")
    return principal_for(user)


@contextmanager
def _opened(drop: Drop) -> Iterator[BinaryIO]:
    try:
        stream = drop.path.open("rb")
    except OSError as exc:
        raise Refused(
            f"the file cannot be opened: {exc.strerror or exc}",
            "check its permissions: the account running ged watch must be able to read it",
        ) from None
    with stream:
        yield stream


def _hash_source(stream: BinaryIO) -> str:
    """Read errors here are the dropped file's (a damaged medium); later ones, the store's."""
    try:
        return hash_stream(stream)[0]
    except OSError as exc:
        raise Refused(
            f"the file cannot be read: {exc.strerror or exc}",
            "copy it again from the scanner, or scan the paper again",
        ) from None


@contextmanager
def _translated_errors(folder: WatchedFolder, max_upload_mb: int) -> Iterator[None]:
    """What the services raise, turned into what ingest.watch acts on: try again later
    (something is down), or refuse the file with advice for whoever reads failed/."""
    try:
        yield
    except (ServiceUnavailable, OperationalError, InterfaceError, OSError) as exc:
        raise Postponed(str(getattr(exc, "orig", None) or exc).strip()) from exc
    except TooLarge as exc:
        raise Refused(
            str(exc),
            f"split or compress it, or ask an administrator to raise [web] max_upload_mb "
            f"(now {max_upload_mb} MB), then drop it again",
        ) from exc
    except PermissionDenied as exc:
        raise Refused(
            str(exc),
            f"an administrator must give the station account {folder.station!r} write access "
            f"to unit {folder.unit!r}",
        ) from exc
    except InvalidInput as exc:
        raise Refused(str(exc), _advice(exc.field, folder)) from exc
    except GedError as exc:
        raise Refused(
            str(exc), "ask the administrator; the reason above says what ged refused"
        ) from exc


def _advice(field: str | None, folder: WatchedFolder) -> str:
    if field == "file":
        return (
            "check that the file opens on a workstation; if it is empty or damaged, scan the "
            "paper again and drop the new file"
        )
    return (
        f"the configuration of the watched folder {folder.path} names something ged does not "
        f"know ({field}): an administrator must correct the configuration or create it"
    )


def make_reporter(folder: WatchedFolder, counters: Counters) -> Report:
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
