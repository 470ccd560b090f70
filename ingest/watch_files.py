"""Watched folders, the files: which dropped files are candidates, how they are claimed,
and where they go afterwards, with the notes that explain why.

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

import os
import pwd
import stat
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

PROCESSING = ".processing"
DONE = "done"
FAILED = "failed"
RESERVED_NAMES = frozenset({PROCESSING, DONE, FAILED})
ERROR_NOTE = ".error.txt"
DUPLICATE_NOTE = ".duplicate.txt"
#: suffixes scanners and copy tools give a file while they are still writing it
TEMPORARY_SUFFIXES = (".part", ".tmp")


def is_temporary_name(name: str) -> bool:
    """Files still being written (``*.part``, ``*.tmp``), editors' lock files (``~*``) and
    hidden files (``.*``): never taken."""
    return name.startswith((".", "~")) or name.lower().endswith(TEMPORARY_SUFFIXES)


@dataclass(frozen=True)
class Signature:
    """What changes while a file is being written."""

    size: int
    mtime_ns: int


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


class FolderProblem(Exception):
    """The folder cannot be watched; the message names it and says why, in one line."""


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
