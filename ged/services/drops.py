"""Filing what a scanner station drops into a watched folder: as the folder's station,
through the same service as an API upload, never twice for the same bytes.

``file_drop`` is what ``ingest.watch.FolderWatcher`` calls for each claimed file, so it
answers in that loop's terms: ``Filed``, or ``Postponed`` (something is down: try again
later) or ``Refused`` (the file goes to failed/ with advice for whoever reads it).
``folder_problem`` says what prevents watching a folder at all.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.exc import InterfaceError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session

from ged.access import Principal, may_file_into_unit, principal_for
from ged.config import FilingDefaults, WatchedFolder
from ged.errors import GedError, InvalidInput, PermissionDenied, ServiceUnavailable, TooLarge
from ged.models import Document, DocumentType, Group, Unit, User, Version
from ged.services.batches import batch_with_content, submit_batch
from ged.services.documents import Metadata, Upload, create_document
from ged.storage import hash_stream
from ged.uow import UnitOfWork
from ingest.watch import Filed, Postponed, Refused
from ingest.watch_files import Drop, FolderProblem, prepare_folder

TYPE_PREFIX = "type:"


def file_drop(uow: UnitOfWork, folder: WatchedFolder, drop: Drop) -> Filed:
    """File one claimed file as the folder's station, with the folder's defaults; the unit
    of work queues its pipeline once committed. A file whose bytes are already filed is
    answered with that document (also what makes finishing a claim again after a crash safe).
    """
    max_upload_mb = uow.settings.web.max_upload_mb
    grants = {folder.group: folder.group_permission} if folder.group else None
    with _translated_errors(folder, max_upload_mb):
        principal = station_principal(uow.session, folder.station)
        with _opened(drop) as stream:
            if folder.split == "separators":
                return _file_batch(uow, principal, folder, drop, stream, grants)
            existing = document_with_content(uow.session, _hash_source(stream))
            if existing is not None:
                return Filed(existing.id, duplicate=True)
            stream.seek(0)
            version = create_document(
                uow,
                principal,
                Upload(stream, drop.name),
                metadata_for(folder, drop.subfolder),
                group_grants=grants,
            )
    return Filed(version.document_id)


def _file_batch(
    uow: UnitOfWork,
    principal: Principal,
    folder: WatchedFolder,
    drop: Drop,
    stream: BinaryIO,
    grants: Mapping[str, str] | None,
) -> Filed:
    """A scanned batch, kept and queued for its split (Filed names the batch, not a
    document); the same bytes dropped again are the batch they already were."""
    existing = batch_with_content(uow, _hash_source(stream))
    if existing is not None:
        return Filed(existing.id, duplicate=True)
    stream.seek(0)
    batch = submit_batch(
        uow,
        principal,
        Upload(stream, drop.name),
        metadata_for(folder, drop.subfolder),
        drop_blank=folder.drop_blank,
        folder=str(folder.path),
        group_grants=grants,
    )
    return Filed(batch.id)


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


def folder_problem(uow: UnitOfWork, folder: WatchedFolder) -> str | None:
    """Why the folder cannot be watched, in one line naming it; None when it can."""
    try:
        prepare_folder(folder.path, folder.subfolders)
        problem = filing_problem(uow.session, folder)
    except FolderProblem as exc:
        return str(exc)
    except SQLAlchemyError as exc:
        problem = f"database error: {str(getattr(exc, 'orig', None) or exc).strip()}"
    return None if problem is None else f"watched folder {folder.path}: {problem}"


def filing_problem(session: Session, folder: FilingDefaults) -> str | None:
    """Names in the configuration (a watched folder's, a mailbox's) that the database does
    not know: checked at start-up so that a typo is one log line, not every scan of the day
    in failed/."""
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
    return _unit_problem(session, folder, principal_for(user)) or _names_problem(session, folder)


def _unit_problem(session: Session, folder: FilingDefaults, station: Principal) -> str | None:
    if not folder.unit:
        return None
    unit = session.scalars(select(Unit).where(Unit.name == folder.unit)).one_or_none()
    if unit is None:
        return f"unit {folder.unit!r} does not exist (ged unit create)"
    if not may_file_into_unit(session, station, unit.id):
        return f"station account {folder.station!r} may not file into unit {folder.unit!r}: give it write access to the unit"
    return None


def _names_problem(session: Session, folder: FilingDefaults) -> str | None:
    for code in _type_codes(folder):
        if session.scalar(select(DocumentType.id).where(DocumentType.code == code)) is None:
            return f"document type {code!r} does not exist"
    if folder.group and session.scalar(select(Group.id).where(Group.name == folder.group)) is None:
        return f"group {folder.group!r} does not exist (ged group create)"
    return None


def _type_codes(folder: FilingDefaults) -> list[str]:
    codes = [] if folder.document_type == "classify" else [folder.document_type]
    subfolders = folder.subfolders if isinstance(folder, WatchedFolder) else {}
    for target in subfolders.values():
        if target.startswith(TYPE_PREFIX) and target != TYPE_PREFIX + "classify":
            codes.append(target.removeprefix(TYPE_PREFIX))
    return codes


def station_principal(session: Session, username: str) -> Principal:
    """The station account that files, or Postponed while it is missing or disabled."""
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


def document_with_content(session: Session, sha256: str) -> Document | None:
    """The oldest active document one of whose versions holds exactly these bytes."""
    query = (
        select(Document)
        .join(Version, Version.document_id == Document.id)
        .where(Version.blob_sha256 == sha256, Document.status == "active")
        .order_by(Document.id)
        .limit(1)
    )
    return session.scalars(query).first()
