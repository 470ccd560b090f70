"""Check the blob store against what the database says it holds, re-hashing every byte."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

from ged.storage import BlobNotFound, BlobStore, hash_stream

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class FsckReport:
    missing: tuple[str, ...]  # referenced, absent from the store
    corrupt: tuple[str, ...]  # present, but the bytes or their length are not what was stored
    orphaned: tuple[str, ...]  # stored, referenced by nothing: a warning, no data is at risk
    checked: int
    bytes_checked: int

    @property
    def ok(self) -> bool:
        """No referenced content is lost or damaged."""
        return not self.missing and not self.corrupt

    @property
    def clean(self) -> bool:
        return self.ok and not self.orphaned


def check_store(
    store: BlobStore, referenced: Mapping[str, int], progress: Progress | None = None
) -> FsckReport:
    """`referenced` maps each SHA-256 the database uses to the size it recorded.

    `progress(done_bytes, total_bytes)` is called as the bytes are re-hashed; the total
    is the size on disk of the referenced blobs present.
    """
    on_disk = _sizes_on_disk(store, referenced)
    total = sum(on_disk.values())
    done = 0

    def advance(size: int) -> None:
        nonlocal done
        done += size
        if progress is not None:
            progress(done, total)

    advance(0)
    missing = [sha256 for sha256 in sorted(referenced) if sha256 not in on_disk]
    corrupt = []
    checked = 0
    for sha256 in on_disk:
        try:
            with store.open(sha256) as blob:
                digest, size = hash_stream(blob, advance)
        except BlobNotFound:  # deleted while we were checking
            missing.append(sha256)
            continue
        checked += 1
        if digest != sha256 or size != referenced[sha256]:
            corrupt.append(sha256)
    orphaned = sorted(sha256 for sha256 in store.iter_blobs() if sha256 not in referenced)
    return FsckReport(tuple(sorted(missing)), tuple(corrupt), tuple(orphaned), checked, done)


def _sizes_on_disk(store: BlobStore, referenced: Mapping[str, int]) -> dict[str, int]:
    sizes = {}
    for sha256 in sorted(referenced):
        try:
            sizes[sha256] = store.size(sha256)
        except BlobNotFound:
            continue
    return sizes
