"""The local filesystem blob store: the embedded default, and any shared mount."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from ged.errors import ServiceUnavailable
from ged.ports import StoredBlob
from ged.storage import (
    SHA256_PATTERN,
    BlobNotFound,
    BlobTooLarge,
    hash_stream,
    read_chunks,
    validate_sha256,
)

_FAN_OUT = re.compile(r"[0-9a-f]{2}")


class LocalBlobStore:
    """Blobs at `root/ab/cd/abcd…`; uploads in progress in `root/.tmp/`, on the same filesystem
    so that moving one into place is a single atomic link."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self._tmp = self.root / ".tmp"

    def put(self, stream: BinaryIO, max_size: int | None = None) -> StoredBlob:
        self._tmp.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=self._tmp, prefix="put-")
        temp = Path(name)
        try:
            with open(fd, "wb") as out:
                sha256, size = _copy_hashing(stream, out, max_size)
                out.flush()
                os.fsync(out.fileno())
                # Read-only before it gets its name: a stored blob is never writable.
                os.fchmod(out.fileno(), 0o444)
            target = self._path(sha256)
            self._make_dirs(target.parent)
            created = _install(temp, target, size)
            # Also when deduplicated: the entry may come from a put that crashed before
            # its own fsync, and the caller is about to commit a row pointing at it.
            _fsync_dir(target.parent)
            return StoredBlob(sha256, size, created)
        finally:
            temp.unlink(missing_ok=True)

    def open(self, sha256: str) -> BinaryIO:
        try:
            return self._path(sha256).open("rb")
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def exists(self, sha256: str) -> bool:
        return self._path(sha256).is_file()

    def size(self, sha256: str) -> int:
        try:
            return self._path(sha256).stat().st_size
        except FileNotFoundError:
            raise BlobNotFound(sha256) from None

    def verify(self, sha256: str) -> bool:
        with self.open(sha256) as blob:
            return hash_stream(blob)[0] == sha256

    def iter_blobs(self) -> Iterator[str]:
        for first in _sorted_names(self.root, _FAN_OUT):
            for second in _sorted_names(self.root / first, _FAN_OUT):
                for name in _sorted_names(self.root / first / second, SHA256_PATTERN):
                    if name.startswith(first + second):
                        yield name

    def delete_temporary(self, older_than_seconds: float) -> int:
        """Remove uploads abandoned by a crash; a live upload keeps its mtime fresh."""
        if not self._tmp.is_dir():
            return 0
        deadline = time.time() - older_than_seconds
        removed = 0
        with os.scandir(self._tmp) as entries:
            for entry in entries:
                try:
                    if entry.is_file(follow_symlinks=False) and entry.stat().st_mtime < deadline:
                        os.unlink(entry.path)
                        removed += 1
                except FileNotFoundError:  # its put finished meanwhile
                    continue
        return removed

    def delete(self, sha256: str) -> bool:
        path = self._path(sha256)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        # Durable: a disposal certificate says these bytes are gone.
        _fsync_dir(path.parent)
        return True

    def check(self) -> None:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.root, prefix=".ready-") as probe:
                probe.write(b"ok")
                probe.flush()
                os.fsync(probe.fileno())
        except OSError as exc:
            raise ServiceUnavailable("blob store", f"{self.root}: {exc.strerror or exc}") from None

    @contextmanager
    def local_file(self, sha256: str) -> Iterator[Path]:
        path = self._path(validate_sha256(sha256))
        if not path.is_file():
            raise BlobNotFound(sha256)
        yield path

    def _path(self, sha256: str) -> Path:
        validate_sha256(sha256)
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def _make_dirs(self, directory: Path) -> None:
        """Create the fan-out directories, making each new entry durable in its parent."""
        if directory.is_dir():
            return
        self._make_dirs(directory.parent)
        try:
            directory.mkdir()
        except FileExistsError:  # another put created it meanwhile
            return
        _fsync_dir(directory.parent)


def _copy_hashing(stream: BinaryIO, out: BinaryIO, max_size: int | None) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    for chunk in read_chunks(stream):
        size += len(chunk)
        if max_size is not None and size > max_size:
            raise BlobTooLarge(max_size)
        digest.update(chunk)
        out.write(chunk)
    return digest.hexdigest(), size


def _install(temp: Path, target: Path, size: int) -> bool:
    """Give the complete temp file its final name; True if this call stored the content.

    A hard link claims the name atomically and never overwrites, so among concurrent
    puts of the same content exactly one creates it and the others see a complete file.
    """
    try:
        os.link(temp, target)
        return True
    except FileExistsError:
        pass
    # Only the size is compared: re-reading every duplicate would double the cost of an
    # upload, and fsck finds same-size damage.
    if _size_or_none(target) == size:
        return False
    # The existing copy is truncated (or vanished since): replace it with our good bytes.
    os.replace(temp, target)
    return True


def _size_or_none(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _fsync_dir(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _sorted_names(directory: Path, pattern: re.Pattern[str]) -> list[str]:
    try:
        names = os.listdir(directory)
    except (FileNotFoundError, NotADirectoryError):
        return []
    return sorted(name for name in names if pattern.fullmatch(name))
