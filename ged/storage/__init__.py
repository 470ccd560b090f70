"""Content-addressed blob stores: bytes in, SHA-256 out, written once and never modified.

The database refers to blobs by their SHA-256 only, so any backend that honours
ged.ports.BlobStore will do; the local filesystem (ged.storage.local) is the default,
an S3 bucket (ged.storage.s3) the way past one machine.
This module holds what every backend shares: names, hashing, errors, and the choice of
backend from the settings.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterator
from typing import BinaryIO

from ged.config import StorageSettings
from ged.errors import GedError, TooLarge
from ged.ports import BlobStore, StoredBlob

CHUNK_SIZE = 1024 * 1024
SHA256_PATTERN = re.compile(r"[0-9a-f]{64}")


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


def validate_sha256(sha256: str) -> str:
    """Refuse anything but 64 lowercase hex digits, so a name can never become a path."""
    if not isinstance(sha256, str) or not SHA256_PATTERN.fullmatch(sha256):
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


def make_blob_store(settings: StorageSettings) -> BlobStore:
    """The backend the settings choose; boto3 is imported only by those who use S3."""
    if settings.backend == "s3":
        from ged.storage.s3 import S3BlobStore

        return S3BlobStore(settings)
    from ged.storage.local import LocalBlobStore

    return LocalBlobStore(settings.path)


__all__ = [
    "CHUNK_SIZE",
    "BlobCorrupt",
    "BlobNotFound",
    "BlobStore",
    "BlobTooLarge",
    "StoredBlob",
    "hash_stream",
    "make_blob_store",
    "read_chunks",
    "validate_sha256",
]
