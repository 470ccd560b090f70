"""fsck: the blob store checked against the sizes the database recorded."""

from __future__ import annotations

import io
import random
from pathlib import Path

import pytest

from ged.storage import StoredBlob
from ged.storage.fsck import FsckReport, check_store
from ged.storage.local import LocalBlobStore


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


def put(store: LocalBlobStore, seed: int, size: int = 100_000) -> StoredBlob:
    return store.put(io.BytesIO(random.Random(seed).randbytes(size)))


def damage(store: LocalBlobStore, sha256: str, *, truncate: bool = False) -> None:
    path = store.root / sha256[:2] / sha256[2:4] / sha256
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    if truncate:
        del data[len(data) // 2 :]
    else:
        data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))


def test_healthy_store_is_clean(store: LocalBlobStore) -> None:
    blobs = [put(store, seed) for seed in range(3)]

    report = check_store(store, {blob.sha256: blob.size for blob in blobs})

    assert report == FsckReport((), (), (), checked=3, bytes_checked=300_000)
    assert report.ok
    assert report.clean


def test_empty_store_with_no_references_is_clean(store: LocalBlobStore) -> None:
    report = check_store(store, {})

    assert report.clean
    assert report.checked == 0


def test_referenced_blob_absent_from_the_store_is_missing(store: LocalBlobStore) -> None:
    present = put(store, 1)
    absent = "ab" * 32

    report = check_store(store, {present.sha256: present.size, absent: 10})

    assert report.missing == (absent,)
    assert report.corrupt == ()
    assert report.checked == 1
    assert not report.ok


def test_altered_byte_and_truncated_file_are_corrupt(store: LocalBlobStore) -> None:
    healthy, altered, truncated = (put(store, seed) for seed in range(3))
    damage(store, altered.sha256)
    damage(store, truncated.sha256, truncate=True)

    report = check_store(store, {blob.sha256: blob.size for blob in (healthy, altered, truncated)})

    assert report.corrupt == tuple(sorted((altered.sha256, truncated.sha256)))
    assert report.missing == ()
    assert report.checked == 3
    assert not report.ok


def test_size_differing_from_the_database_is_corrupt(store: LocalBlobStore) -> None:
    blob = put(store, 1)

    report = check_store(store, {blob.sha256: blob.size + 1})

    assert report.corrupt == (blob.sha256,)


def test_unreferenced_blob_is_orphaned_as_a_warning_only(store: LocalBlobStore) -> None:
    referenced, orphan = put(store, 1), put(store, 2)

    report = check_store(store, {referenced.sha256: referenced.size})

    assert report.orphaned == (orphan.sha256,)
    assert report.checked == 1
    assert report.ok
    assert not report.clean


def test_progress_counts_every_byte_up_to_the_total(store: LocalBlobStore) -> None:
    # Larger than one read chunk, so progress is reported within a blob, not only between.
    blobs = [put(store, 1, size=3 * 1024 * 1024 + 5), put(store, 2, size=1000)]
    damage(store, blobs[1].sha256, truncate=True)
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))

    report = check_store(store, {blob.sha256: blob.size for blob in blobs}, progress)

    total = blobs[0].size + 500
    assert calls[0] == (0, total)
    assert calls[-1] == (total, total)
    assert len(calls) > 4
    assert all(total_bytes == total for _, total_bytes in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert report.bytes_checked == total
