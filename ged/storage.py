"""Content-addressed blob store: bytes in, SHA-256 out, written once and never modified.

The database refers to blobs by their SHA-256 only, so any backend that honours
`BlobStore` will do; the local filesystem is the default.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO, Protocol

from ged.config import StorageSettings
from ged.errors import GedError, TooLarge

CHUNK_SIZE = 1024 * 1024
_SHA256 = re.compile(r"[0-9a-f]{64}")
_FAN_OUT = re.compile(r"[0-9a-f]{2}")


class BlobNotFound(GedError):
    def __init__(self, sha256: str) -> None:
        super().__init__(f"blob {sha256} is not in the store")
        self.sha256 = sha256


class BlobCorrupt(GedError):
    """A stored blob's bytes no longer hash to its name; for readers that check before use."""

    def __init__(self, sha256: str) -> None:
        super().__init__(f"blob {sha256} is corrupt: its content does not match its hash")
        self.sha256 = sha256


class BlobTooLarge(TooLarge):
    """A TooLarge (a GedError), so the web layer answers 413 without knowing the store."""

    def __init__(self, max_size: int) -> None:
        super().__init__(f"the content is larger than the limit of {max_size} bytes")
        self.max_size = max_size


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool  # False when the same content was already stored


class BlobStore(Protocol):
    def put(self, stream: BinaryIO, max_size: int | None = None) -> StoredBlob: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def exists(self, sha256: str) -> bool: ...

    def size(self, sha256: str) -> int: ...

    def verify(self, sha256: str) -> bool: ...

    def iter_blobs(self) -> Iterator[str]: ...

    def delete_temporary(self, older_than_seconds: float) -> int: ...

    def local_file(self, sha256: str) -> AbstractContextManager[Path]:
        """A path on the local filesystem holding the blob, for tools that need one
        (OCR, PDF readers); a remote backend would download to a temporary file."""
        ...


def validate_sha256(sha256: str) -> str:
    """Refuse anything but 64 lowercase hex digits, so a name can never become a path."""
    if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
        raise ValueError(f"not a lowercase hex SHA-256: {sha256!r}")
    return sha256


def read_chunks(stream: BinaryIO) -> Iterator[bytes]:
    """Yield the stream in bounded chunks, so memory stays flat whatever its length."""
    while chunk := stream.read(CHUNK_SIZE):
        yield chunk


def hash_stream(stream: BinaryIO, on_chunk: Callable[[int], None] | None = None) -> tuple[str, int]:
    """SHA-256 (lowercase hex) and length of what is left in `stream`.

    `on_chunk` is told the size of each chunk as it is hashed (progress reporting).
    """
    digest = hashlib.sha256()
    size = 0
    for chunk in read_chunks(stream):
        digest.update(chunk)
        size += len(chunk)
        if on_chunk is not None:
            on_chunk(len(chunk))
    return digest.hexdigest(), size


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
                for name in _sorted_names(self.root / first / second, _SHA256):
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


def make_blob_store(settings: StorageSettings) -> BlobStore:
    return LocalBlobStore(settings.path)


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
