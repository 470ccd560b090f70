"""The local blob store, on a real filesystem under tmp_path."""

from __future__ import annotations

import hashlib
import io
import os
import random
import stat
import threading
import time
import tracemalloc
from pathlib import Path

import pytest

from ged.config import StorageSettings
from ged.storage import (
    BlobNotFound,
    BlobTooLarge,
    StoredBlob,
    make_blob_store,
)
from ged.storage.local import LocalBlobStore


class GeneratedStream(io.RawIOBase):
    """`size` pseudo-random bytes made on demand, never all in memory; hashes what it yields."""

    def __init__(self, size: int, seed: int = 0, fail_after: int | None = None) -> None:
        self._remaining = size
        self._random = random.Random(seed)
        self._pending = b""
        self._fail_after = fail_after
        self._produced = 0
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        if not self._pending:
            if self._fail_after is not None and self._produced >= self._fail_after:
                raise ConnectionResetError("client went away")
            if self._remaining == 0:
                return 0
            self._pending = self._random.randbytes(min(64 * 1024, self._remaining))
            self._remaining -= len(self._pending)
            self._produced += len(self._pending)
            self.digest.update(self._pending)
        count = min(len(buffer), len(self._pending))
        buffer[:count] = self._pending[:count]
        self._pending = self._pending[count:]
        return count


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def blob_path(root: Path, sha256: str) -> Path:
    return root / sha256[:2] / sha256[2:4] / sha256


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file() and ".tmp" not in path.parts]


def temporary_files(root: Path) -> list[Path]:
    return list((root / ".tmp").iterdir()) if (root / ".tmp").exists() else []


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


def test_put_then_open_returns_identical_bytes(store: LocalBlobStore) -> None:
    data = random.Random(1).randbytes(3 * 1024 * 1024 + 17)

    stored = store.put(io.BytesIO(data))

    assert stored == StoredBlob(sha256=sha256_of(data), size=len(data), created=True)
    with store.open(stored.sha256) as blob:
        assert blob.read() == data
    assert store.exists(stored.sha256)
    assert store.size(stored.sha256) == len(data)
    assert store.verify(stored.sha256)


def test_empty_content_is_a_blob_like_any_other(store: LocalBlobStore) -> None:
    stored = store.put(io.BytesIO(b""))

    assert stored.sha256 == sha256_of(b"")
    assert stored.size == 0
    with store.open(stored.sha256) as blob:
        assert blob.read() == b""


def test_blob_lives_at_two_level_fan_out_path(store: LocalBlobStore) -> None:
    stored = store.put(io.BytesIO(b"fan out"))

    assert stored_files(store.root) == [blob_path(store.root, stored.sha256)]
    assert len(stored.sha256) == 64
    assert stored.sha256 == stored.sha256.lower()


def test_same_content_twice_is_stored_once(store: LocalBlobStore) -> None:
    first = store.put(io.BytesIO(b"same bytes"))
    second = store.put(io.BytesIO(b"same bytes"))

    assert first.created is True
    assert second == StoredBlob(first.sha256, first.size, created=False)
    assert len(stored_files(store.root)) == 1
    assert temporary_files(store.root) == []


def test_stored_files_are_read_only(store: LocalBlobStore) -> None:
    stored = store.put(io.BytesIO(b"immutable"))

    mode = stat.S_IMODE(blob_path(store.root, stored.sha256).stat().st_mode)
    assert mode == 0o444


def test_truncated_copy_on_disk_is_repaired_by_the_next_put(store: LocalBlobStore) -> None:
    data = b"x" * 10_000
    stored = store.put(io.BytesIO(data))
    path = blob_path(store.root, stored.sha256)
    path.chmod(0o644)
    path.write_bytes(data[:100])

    again = store.put(io.BytesIO(data))

    assert again.created is True
    assert path.read_bytes() == data
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "abc",
        "A" * 64,
        "g" * 64,
        "0" * 63,
        "0" * 65,
        "../" + "0" * 61,
        "0" * 63 + "/",
        "0" * 64 + "\n",
    ],
)
def test_invalid_sha256_is_refused(store: LocalBlobStore, bad: str) -> None:
    for operation in (store.open, store.exists, store.size, store.verify):
        with pytest.raises(ValueError):
            operation(bad)


def test_unknown_blob_is_not_found(store: LocalBlobStore) -> None:
    unknown = sha256_of(b"never stored")

    assert not store.exists(unknown)
    for operation in (store.open, store.size, store.verify):
        with pytest.raises(BlobNotFound):
            operation(unknown)


def test_stream_failing_midway_leaves_no_blob_and_no_temporary_file(
    store: LocalBlobStore,
) -> None:
    with (
        GeneratedStream(5 * 1024 * 1024, fail_after=2 * 1024 * 1024) as stream,
        pytest.raises(ConnectionResetError),
    ):
        store.put(stream)  # type: ignore[arg-type]

    assert stored_files(store.root) == []
    assert temporary_files(store.root) == []


def test_max_size_is_enforced_and_leaves_nothing_behind(store: LocalBlobStore) -> None:
    with pytest.raises(BlobTooLarge):
        store.put(io.BytesIO(b"y" * 1001), max_size=1000)

    assert stored_files(store.root) == []
    assert temporary_files(store.root) == []
    assert store.put(io.BytesIO(b"y" * 1000), max_size=1000).size == 1000


def test_concurrent_puts_of_the_same_content_store_one_file(store: LocalBlobStore) -> None:
    data = random.Random(2).randbytes(4 * 1024 * 1024)
    barrier = threading.Barrier(8)
    results: list[StoredBlob] = []

    def put() -> None:
        barrier.wait()
        results.append(store.put(io.BytesIO(data)))

    threads = [threading.Thread(target=put) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(results) == 8
    assert {result.sha256 for result in results} == {sha256_of(data)}
    assert sum(result.created for result in results) == 1
    assert stored_files(store.root) == [blob_path(store.root, sha256_of(data))]
    assert temporary_files(store.root) == []
    assert store.verify(sha256_of(data))


def test_memory_stays_flat_for_a_large_stream(store: LocalBlobStore) -> None:
    size = 200 * 1024 * 1024
    with GeneratedStream(size, seed=3) as stream:
        tracemalloc.start()
        try:
            stored = store.put(stream)  # type: ignore[arg-type]
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert stored.size == size
    assert stored.sha256 == stream.digest.hexdigest()
    assert peak < 10 * 1024 * 1024


def test_verify_detects_a_byte_altered_on_disk(store: LocalBlobStore) -> None:
    stored = store.put(io.BytesIO(b"original content"))
    path = blob_path(store.root, stored.sha256)
    path.chmod(0o644)
    data = bytearray(path.read_bytes())
    data[3] ^= 0x01
    path.write_bytes(bytes(data))

    assert store.verify(stored.sha256) is False


def test_iter_blobs_lists_every_blob_and_nothing_else(store: LocalBlobStore) -> None:
    shas = {store.put(io.BytesIO(f"blob {n}".encode())).sha256 for n in range(5)}
    (store.root / ".tmp" / "put-leftover").write_bytes(b"partial")
    (store.root / "README").write_text("not a blob")
    misplaced = sha256_of(b"misplaced")
    (store.root / "00" / "00").mkdir(parents=True)
    (store.root / "00" / "00" / misplaced).write_bytes(b"misplaced")

    assert list(store.iter_blobs()) == sorted(shas)


def test_iter_blobs_of_a_store_never_written_is_empty(tmp_path: Path) -> None:
    assert list(LocalBlobStore(tmp_path / "absent").iter_blobs()) == []


def test_delete_temporary_removes_only_old_abandoned_uploads(store: LocalBlobStore) -> None:
    store.put(io.BytesIO(b"keep me"))
    old = store.root / ".tmp" / "put-old"
    fresh = store.root / ".tmp" / "put-fresh"
    old.write_bytes(b"abandoned")
    fresh.write_bytes(b"in progress")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))

    assert store.delete_temporary(older_than_seconds=600) == 1

    assert temporary_files(store.root) == [fresh]
    assert len(list(store.iter_blobs())) == 1


def test_factory_builds_a_local_store_at_the_configured_path(tmp_path: Path) -> None:
    blob_store = make_blob_store(StorageSettings(path=tmp_path / "configured"))

    stored = blob_store.put(io.BytesIO(b"configured"))

    assert blob_path(tmp_path / "configured", stored.sha256).is_file()
