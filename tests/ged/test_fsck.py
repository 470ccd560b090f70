"""fsck: the blob store (each backend) checked against the sizes the database recorded."""

from __future__ import annotations

import io
import random

from ged.storage import StoredBlob
from ged.storage.fsck import FsckReport, check_store
from tests.storage_backends import Backend


def put(backend: Backend, seed: int, size: int = 100_000) -> StoredBlob:
    return backend.store.put(io.BytesIO(random.Random(seed).randbytes(size)))


def test_healthy_store_is_clean(backend: Backend) -> None:
    blobs = [put(backend, seed) for seed in range(3)]

    report = check_store(backend.store, {blob.sha256: blob.size for blob in blobs})

    assert report == FsckReport((), (), (), checked=3, bytes_checked=300_000)
    assert report.ok
    assert report.clean


def test_empty_store_with_no_references_is_clean(backend: Backend) -> None:
    report = check_store(backend.store, {})

    assert report.clean
    assert report.checked == 0


def test_referenced_blob_absent_from_the_store_is_missing(backend: Backend) -> None:
    present = put(backend, 1)
    absent = "ab" * 32

    report = check_store(backend.store, {present.sha256: present.size, absent: 10})

    assert report.missing == (absent,)
    assert report.corrupt == ()
    assert report.checked == 1
    assert not report.ok


def test_altered_byte_and_truncated_file_are_corrupt(backend: Backend) -> None:
    healthy, altered, truncated = (put(backend, seed) for seed in range(3))
    backend.damage(altered.sha256)
    backend.damage(truncated.sha256, truncate=True)

    report = check_store(
        backend.store, {blob.sha256: blob.size for blob in (healthy, altered, truncated)}
    )

    assert report.corrupt == tuple(sorted((altered.sha256, truncated.sha256)))
    assert report.missing == ()
    assert report.checked == 3
    assert not report.ok


def test_size_differing_from_the_database_is_corrupt(backend: Backend) -> None:
    blob = put(backend, 1)

    report = check_store(backend.store, {blob.sha256: blob.size + 1})

    assert report.corrupt == (blob.sha256,)


def test_unreferenced_blob_is_orphaned_as_a_warning_only(backend: Backend) -> None:
    referenced, orphan = put(backend, 1), put(backend, 2)

    report = check_store(backend.store, {referenced.sha256: referenced.size})

    assert report.orphaned == (orphan.sha256,)
    assert report.checked == 1
    assert report.ok
    assert not report.clean


def test_progress_counts_every_byte_up_to_the_total(backend: Backend) -> None:
    # Larger than one read chunk, so progress is reported within a blob, not only between.
    blobs = [put(backend, 1, size=3 * 1024 * 1024 + 5), put(backend, 2, size=1000)]
    backend.damage(blobs[1].sha256, truncate=True)
    calls: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> None:
        calls.append((done, total))

    report = check_store(backend.store, {blob.sha256: blob.size for blob in blobs}, progress)

    total = blobs[0].size + 500
    assert calls[0] == (0, total)
    assert calls[-1] == (total, total)
    assert len(calls) > 4
    assert all(total_bytes == total for _, total_bytes in calls)
    assert [done for done, _ in calls] == sorted(done for done, _ in calls)
    assert report.bytes_checked == total
