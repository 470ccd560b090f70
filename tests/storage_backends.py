"""Each blob store backend seen from outside it, so that one storage test runs on both:
what it holds under blob names and as uploads in progress, and damage done behind its back."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ged.storage import BlobStore, make_blob_store
from ged.storage.local import LocalBlobStore
from ged.storage.s3 import S3BlobStore
from ged.storage_settings import StorageSettings


@dataclass
class Backend:
    name: str
    store: Any  # LocalBlobStore | S3BlobStore, with the BlobStore protocol

    def stored(self) -> list[str]:
        """Where each stored blob is, relative to the store: `ab/cd/abcd…` (sorted)."""
        if isinstance(self.store, LocalBlobStore):
            root = self.store.root
            return sorted(
                str(path.relative_to(root))
                for path in root.rglob("*")
                if path.is_file() and ".tmp" not in path.relative_to(root).parts
            )
        return sorted(key.removeprefix("blobs/") for key in self._keys("blobs/"))

    def temporaries(self) -> list[str]:
        """Uploads in progress or abandoned."""
        if isinstance(self.store, LocalBlobStore):
            tmp = self.store.root / ".tmp"
            return sorted(path.name for path in tmp.iterdir()) if tmp.exists() else []
        store: S3BlobStore = self.store
        uploads = store.client.list_multipart_uploads(
            Bucket=store.bucket, Prefix=self._prefix("tmp/")
        )
        pending = [upload["Key"] for upload in uploads.get("Uploads", ())]
        return sorted(self._keys("tmp/") + pending)

    def write(self, relative: str, data: bytes) -> None:
        """Put `data` at `relative` (as `stored()` names it, or `tmp/…`), behind the store's back."""
        if isinstance(self.store, LocalBlobStore):
            relative = (
                relative.replace("tmp/", ".tmp/", 1) if relative.startswith("tmp/") else relative
            )
            path = self.store.root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            if path.exists():
                path.chmod(0o644)
            path.write_bytes(data)
            return
        key = relative if relative.startswith("tmp/") else f"blobs/{relative}"
        self.store.client.put_object(Bucket=self.store.bucket, Key=self._prefix(key), Body=data)

    def read(self, sha256: str) -> bytes:
        with self.store.open(sha256) as blob:
            return blob.read()

    def damage(self, sha256: str, *, truncate: bool = False) -> None:
        """Flip a byte in the middle of a stored blob, or cut off its second half."""
        data = bytearray(self.read(sha256))
        if truncate:
            del data[len(data) // 2 :]
        else:
            data[len(data) // 2] ^= 0xFF
        self.write(location(sha256), bytes(data))

    def remove(self, sha256: str) -> None:
        assert self.store.delete(sha256)

    def _prefix(self, key: str) -> str:
        return f"{self.store.prefix}{key}"

    def _keys(self, under: str) -> list[str]:
        store: S3BlobStore = self.store
        pages = store.client.get_paginator("list_objects_v2")
        start = len(store.prefix) + len(under)
        return [
            under + entry["Key"][start:]
            for page in pages.paginate(Bucket=store.bucket, Prefix=self._prefix(under))
            for entry in page.get("Contents", ())
        ]


def location(sha256: str) -> str:
    return f"{sha256[:2]}/{sha256[2:4]}/{sha256}"


def make_backend(section: dict[str, Any], tmp_path: Path) -> Backend:
    settings = StorageSettings(**{"path": tmp_path / "blobs", **section})
    store: BlobStore = make_blob_store(settings)
    return Backend(settings.backend, store)
