"""The blob stores, each on its real medium: the local one on a filesystem under tmp_path,
the S3 one in a bucket of the test S3 server (s3proxy); the tests that look at a
backend's own layout name it."""

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
from tests.storage_backends import Backend, location


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
    return root / location(sha256)


@pytest.fixture
def store(tmp_path: Path) -> LocalBlobStore:
    return LocalBlobStore(tmp_path / "blobs")


@pytest.mark.parametrize("size", [3 * 1024 * 1024 + 17, 11 * 1024 * 1024 + 5])
def test_put_then_open_returns_identical_bytes(backend: Backend, size: int) -> None:
    # The larger goes in three parts to the S3 store (5 MiB parts in the tests).
    store = backend.store
    data = random.Random(1).randbytes(size)

    stored = store.put(io.BytesIO(data))

    assert stored == StoredBlob(sha256=sha256_of(data), size=len(data), created=True)
    with store.open(stored.sha256) as blob:
        assert blob.read() == data
    assert store.exists(stored.sha256)
    assert store.size(stored.sha256) == len(data)
    assert store.verify(stored.sha256)
    assert backend.stored() == [location(stored.sha256)]
    assert backend.temporaries() == []


def test_a_read_can_start_anywhere_and_skip_ahead(backend: Backend) -> None:
    data = random.Random(4).randbytes(6 * 1024 * 1024)
    stored = backend.store.put(io.BytesIO(data))

    with backend.store.open(stored.sha256) as blob:
        assert blob.seekable()
        blob.seek(5 * 1024 * 1024 + 3)
        assert blob.read(10) == data[5 * 1024 * 1024 + 3 :][:10]
        blob.seek(100)
        assert blob.tell() == 100
        assert blob.read(5) == data[100:105]
        blob.seek(-4, io.SEEK_END)
        assert blob.read() == data[-4:]


def test_local_file_holds_the_blob(backend: Backend) -> None:
    stored = backend.store.put(io.BytesIO(b"for a tool that needs a path"))

    with backend.store.local_file(stored.sha256) as path:
        assert path.read_bytes() == b"for a tool that needs a path"
    with pytest.raises(BlobNotFound), backend.store.local_file(sha256_of(b"absent")):
        pass


def test_empty_content_is_a_blob_like_any_other(backend: Backend) -> None:
    store = backend.store
    stored = store.put(io.BytesIO(b""))

    assert stored.sha256 == sha256_of(b"")
    assert stored.size == 0
    with store.open(stored.sha256) as blob:
        assert blob.read() == b""


def test_blob_lives_at_two_level_fan_out_path(backend: Backend) -> None:
    stored = backend.store.put(io.BytesIO(b"fan out"))

    assert backend.stored() == [f"{stored.sha256[:2]}/{stored.sha256[2:4]}/{stored.sha256}"]
    assert len(stored.sha256) == 64
    assert stored.sha256 == stored.sha256.lower()


def test_same_content_twice_is_stored_once(backend: Backend) -> None:
    store = backend.store
    first = store.put(io.BytesIO(b"same bytes"))
    second = store.put(io.BytesIO(b"same bytes"))

    assert first.created is True
    assert second == StoredBlob(first.sha256, first.size, created=False)
    assert backend.stored() == [location(first.sha256)]
    assert backend.temporaries() == []


def test_stored_files_are_read_only(store: LocalBlobStore) -> None:
    stored = store.put(io.BytesIO(b"immutable"))

    mode = stat.S_IMODE(blob_path(store.root, stored.sha256).stat().st_mode)
    assert mode == 0o444


@pytest.mark.parametrize("size", [10_000, 6 * 1024 * 1024])
def test_truncated_copy_in_the_store_is_repaired_by_the_next_put(
    backend: Backend, size: int
) -> None:
    data = b"x" * size
    stored = backend.store.put(io.BytesIO(data))
    backend.write(location(stored.sha256), data[:100])

    again = backend.store.put(io.BytesIO(data))

    assert again.created is True
    assert backend.read(stored.sha256) == data
    assert backend.temporaries() == []
    if backend.name == "local":
        mode = stat.S_IMODE(blob_path(backend.store.root, stored.sha256).stat().st_mode)
        assert mode == 0o444


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
def test_invalid_sha256_is_refused(backend: Backend, bad: str) -> None:
    store = backend.store
    for operation in (store.open, store.exists, store.size, store.verify, store.delete):
        with pytest.raises(ValueError):
            operation(bad)


def test_unknown_blob_is_not_found(backend: Backend) -> None:
    store = backend.store
    unknown = sha256_of(b"never stored")

    assert not store.exists(unknown)
    for operation in (store.open, store.size, store.verify):
        with pytest.raises(BlobNotFound):
            operation(unknown)
    assert store.delete(unknown) is False


def test_stream_failing_midway_leaves_no_blob_and_no_temporary_file(backend: Backend) -> None:
    # Past the first 5 MiB part: the S3 store has a multipart upload to abandon.
    with (
        GeneratedStream(12 * 1024 * 1024, fail_after=7 * 1024 * 1024) as stream,
        pytest.raises(ConnectionResetError),
    ):
        backend.store.put(stream)  # type: ignore[arg-type]

    assert backend.stored() == []
    assert backend.temporaries() == []


@pytest.mark.parametrize("limit", [1000, 6 * 1024 * 1024])
def test_max_size_is_enforced_and_leaves_nothing_behind(backend: Backend, limit: int) -> None:
    store = backend.store
    with pytest.raises(BlobTooLarge):
        store.put(io.BytesIO(b"y" * (limit + 1)), max_size=limit)

    assert backend.stored() == []
    assert backend.temporaries() == []
    assert store.put(io.BytesIO(b"y" * limit), max_size=limit).size == limit


def test_concurrent_puts_of_the_same_content_store_one_file(backend: Backend) -> None:
    store = backend.store
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
    assert backend.stored() == [location(sha256_of(data))]
    assert backend.temporaries() == []
    assert store.verify(sha256_of(data))


def test_memory_stays_flat_for_a_large_stream(backend: Backend) -> None:
    # The S3 store holds one part (5 MiB here) while it is sent: a smaller stream shows
    # it as well, in less time than through the loopback S3 server.
    store = backend.store
    size, bound = (200 * 1024 * 1024, 10) if backend.name == "local" else (40 * 1024 * 1024, 16)
    with GeneratedStream(size, seed=3) as stream:
        tracemalloc.start()
        try:
            stored = store.put(stream)  # type: ignore[arg-type]
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert stored.size == size
    assert stored.sha256 == stream.digest.hexdigest()
    assert peak < bound * 1024 * 1024


def test_verify_detects_a_byte_altered_in_the_store(backend: Backend) -> None:
    stored = backend.store.put(io.BytesIO(b"original content"))
    backend.damage(stored.sha256)

    assert backend.store.verify(stored.sha256) is False


def test_iter_blobs_lists_every_blob_and_nothing_else(backend: Backend) -> None:
    store = backend.store
    shas = {store.put(io.BytesIO(f"blob {n}".encode())).sha256 for n in range(5)}
    backend.write("tmp/put-leftover", b"partial")
    backend.write("README", b"not a blob")
    misplaced = sha256_of(b"misplaced")
    backend.write(f"00/00/{misplaced}", b"misplaced")

    assert list(store.iter_blobs()) == sorted(shas)


def test_iter_blobs_of_a_store_never_written_is_empty(backend: Backend) -> None:
    assert list(backend.store.iter_blobs()) == []


def test_delete_removes_the_blob_for_good(backend: Backend) -> None:
    kept, gone = (backend.store.put(io.BytesIO(data)) for data in (b"kept", b"gone"))

    assert backend.store.delete(gone.sha256) is True

    assert not backend.store.exists(gone.sha256)
    assert backend.stored() == [location(kept.sha256)]


def test_check_passes_on_a_store_that_takes_writes(backend: Backend) -> None:
    backend.store.check()

    assert backend.stored() == []


def test_delete_temporary_removes_only_old_abandoned_uploads(store: LocalBlobStore) -> None:
    store.put(io.BytesIO(b"keep me"))
    old = store.root / ".tmp" / "put-old"
    fresh = store.root / ".tmp" / "put-fresh"
    old.write_bytes(b"abandoned")
    fresh.write_bytes(b"in progress")
    an_hour_ago = time.time() - 3600
    os.utime(old, (an_hour_ago, an_hour_ago))

    assert store.delete_temporary(older_than_seconds=600) == 1

    assert Backend("local", store).temporaries() == ["put-fresh"]
    assert len(list(store.iter_blobs())) == 1


def test_factory_builds_a_local_store_at_the_configured_path(tmp_path: Path) -> None:
    blob_store = make_blob_store(StorageSettings(path=tmp_path / "configured"))

    stored = blob_store.put(io.BytesIO(b"configured"))

    assert blob_path(tmp_path / "configured", stored.sha256).is_file()
