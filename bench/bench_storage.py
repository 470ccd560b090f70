"""Throughput of LocalBlobStore against a plain copy with fsync, in the same run.

Usage: .venv/bin/python bench/bench_storage.py [DIRECTORY]   (default: the system temp dir)
"""

from __future__ import annotations

import io
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from ged.storage import CHUNK_SIZE, read_chunks
from ged.storage.local import LocalBlobStore

SIZE = 200 * 1024 * 1024
BLOCK = os.urandom(CHUNK_SIZE)


class Source(io.RawIOBase):
    """SIZE bytes repeating one random block, so producing them costs next to nothing."""

    def __init__(self) -> None:
        self._remaining = SIZE

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        count = min(len(buffer), len(BLOCK), self._remaining)
        buffer[:count] = BLOCK[:count]
        self._remaining -= count
        return count


def mb_per_s(seconds: float) -> float:
    return SIZE / seconds / 1e6


def best_of_3(action: Callable[[], object]) -> float:
    times = []
    for _ in range(3):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return min(times)


def copy_with_fsync(target: Path) -> None:
    with Source() as source, target.open("wb") as out:
        shutil.copyfileobj(source, out, CHUNK_SIZE)
        out.flush()
        os.fsync(out.fileno())


def put_fresh(work: Path) -> str:
    """Each run in a new store, so none is a deduplicated put."""
    store = LocalBlobStore(Path(tempfile.mkdtemp(dir=work)))
    with Source() as source:
        return store.put(source).sha256  # type: ignore[arg-type]


def read_all(store: LocalBlobStore, sha256: str) -> None:
    with store.open(sha256) as blob:
        for _ in read_chunks(blob):
            pass


def main() -> None:
    with tempfile.TemporaryDirectory(dir=sys.argv[1] if len(sys.argv) > 1 else None) as name:
        work = Path(name)
        baseline = best_of_3(lambda: copy_with_fsync(work / "baseline"))
        put = best_of_3(lambda: put_fresh(work))
        store = LocalBlobStore(work / "read")
        with Source() as source:
            sha256 = store.put(source).sha256  # type: ignore[arg-type]
        read = best_of_3(lambda: read_all(store, sha256))
    print(f"baseline copy+fsync: {mb_per_s(baseline):8.1f} MB/s")
    print(f"put (hash+fsync):    {mb_per_s(put):8.1f} MB/s  ({baseline / put:.2f}x baseline)")
    print(f"read (page cache):   {mb_per_s(read):8.1f} MB/s")


if __name__ == "__main__":
    main()
