"""Moving the blobs from one store to another (``ged storage migrate --to s3``): every blob
of the source is copied unless the target already holds it, and the copy is kept only if
its bytes hash to the blob's name.

Resumable by construction: a put into the target is atomic (a blob is under its name
whole or not at all), so a run killed at any point leaves complete blobs and temporary
leftovers only, and the next run skips what is there and copies the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ged.access import Principal, authorize
from ged.audit.chain import record
from ged.storage import BlobNotFound, BlobStore
from ged.uow import UnitOfWork


@dataclass(frozen=True)
class Migrated:
    copied: int  # blobs this run copied
    present: int  # blobs the target held already (a run before this one copied them)
    corrupt: tuple[str, ...]  # source blobs whose bytes do not hash to their name: not copied
    bytes_copied: int

    @property
    def exit_status(self) -> int:
        return 1 if self.corrupt else 0


def migrate_blobs(
    uow: UnitOfWork,
    principal: Principal,
    source: BlobStore,
    target: BlobStore,
    progress: Callable[[int, int], None] | None = None,
) -> Migrated:
    """Copy every blob of `source` missing from `target`; ``progress`` gets (blobs done,
    blobs in all). Recorded as ``cli.storage.migrate`` with what it did."""
    authorize(principal, "storage.migrate")
    target.check()
    names = list(source.iter_blobs())
    # One listing rather than a request per blob: what has its name in the target is
    # whole (puts are atomic); fsck, not this, finds damage done there since.
    there = set(target.iter_blobs())
    copied = present = bytes_copied = 0
    corrupt = []
    for done, sha256 in enumerate(names):
        if progress is not None:
            progress(done, len(names))
        if sha256 in there:
            present += 1
            continue
        try:
            with source.open(sha256) as blob:
                stored = target.put(blob)
        except BlobNotFound:  # removed from the source meanwhile (a disposal)
            continue
        if stored.sha256 != sha256:
            # Stored under the digest of the bytes read: not a blob any row refers to.
            if stored.created:
                target.delete(stored.sha256)
            corrupt.append(sha256)
            continue
        copied += 1
        bytes_copied += stored.size
    if progress is not None:
        progress(len(names), len(names))
    result = Migrated(copied, present, tuple(corrupt), bytes_copied)
    details = {"copied": copied, "present": present, "corrupt": len(corrupt)}
    record(uow.session, principal, "cli.storage.migrate", details=details)
    uow.commit()
    return result
