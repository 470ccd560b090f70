"""The S3 blob store: a bucket of any S3-compatible object store, for ged past one machine.

Keys are ``<prefix>blobs/ab/cd/abcd…``. A blob's name is its SHA-256, known only once
every byte is read, so a large upload goes in parts to ``<prefix>tmp/<uuid>`` and is
copied server-side to its name once complete: nothing partial ever has a blob's name.
The server checks each part against the MD5 ged sends with it (Content-MD5), ged checks
the completed object's ETag against its parts and the copy's length against its own
count; a small blob is sent in one request that carries its SHA-256 (x-amz-checksum-
sha256), which the server checks against the bytes it stores.
"""

from __future__ import annotations

import base64
import hashlib
import os
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO

import boto3
from boto3.s3.transfer import TransferConfig
from botocore.config import Config
from botocore.exceptions import ClientError

from ged.errors import ServiceUnavailable
from ged.ports import StoredBlob
from ged.storage import (
    CHUNK_SIZE,
    SHA256_PATTERN,
    BlobNotFound,
    BlobTooLarge,
    hash_stream,
    read_chunks,
    validate_sha256,
)
from ged.storage.s3_reader import S3Reader, no_such_bucket, s3_errors
from ged.storage_settings import StorageSettings

#: server-side copies of larger objects go in parts (the S3 protocol's limit for one is 5 GiB)
COPY_PART_SIZE = 1024 * 1024 * 1024


def make_client(settings: StorageSettings) -> Any:
    """A boto3 client for the settings; checksums only where ged asks for them, since
    not every S3-compatible server knows the CRC32 ones boto3 would add by default."""
    config = Config(
        region_name=settings.region,
        s3={"addressing_style": "path" if settings.path_style else "virtual"},
        connect_timeout=settings.timeout,
        read_timeout=settings.timeout,
        retries={"max_attempts": 3, "mode": "standard"},
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    credentials = {}
    if settings.access_key:
        credentials = {
            "aws_access_key_id": settings.access_key,
            "aws_secret_access_key": settings.secret(),
        }
    return boto3.client("s3", endpoint_url=settings.endpoint or None, config=config, **credentials)


class S3BlobStore:
    def __init__(self, settings: StorageSettings) -> None:
        self.settings = settings
        self.bucket = settings.bucket
        self.prefix = settings.prefix
        self.part_size = settings.part_size_mb * 1024 * 1024
        self._client = make_client(settings)
        self._pid = os.getpid()
        self._where = f"the S3 server {settings.endpoint or 'of Amazon, ' + settings.region}"

    @property
    def client(self) -> Any:
        """This process's client: a worker's job runs in a forked child, which must not
        share the parent's pooled connections (nor their half-read answers)."""
        if self._pid != os.getpid():
            self._client = make_client(self.settings)
            self._pid = os.getpid()
        return self._client

    def put(self, stream: BinaryIO, max_size: int | None = None) -> StoredBlob:
        digest = hashlib.sha256()
        size = 0
        part = bytearray()
        upload: _Upload | None = None
        try:
            for chunk in read_chunks(stream):
                size += len(chunk)
                if max_size is not None and size > max_size:
                    raise BlobTooLarge(max_size)
                digest.update(chunk)
                part += chunk
                if len(part) >= self.part_size:
                    upload = upload or self._errors(_Upload, self)
                    self._errors(upload.send, part)
                    part = bytearray()
            sha256 = digest.hexdigest()
            if upload is None:
                return self._errors(self._put_whole, sha256, part)
            if part:
                self._errors(upload.send, part)
            self._errors(upload.complete, size)
            return self._errors(self._install, upload.key, sha256, size)
        finally:
            # Also after a failure, so that no part stays behind; a server that went away
            # meanwhile leaves them to delete_temporary.
            if upload is not None:
                with suppress(ServiceUnavailable):
                    self._errors(upload.discard)

    def open(self, sha256: str) -> BinaryIO:
        key = self._key(sha256)
        size = self._errors(self._head, key, sha256)
        return S3Reader(self.client, self.bucket, key, size, self._where)

    def exists(self, sha256: str) -> bool:
        try:
            self.size(sha256)
        except BlobNotFound:
            return False
        return True

    def size(self, sha256: str) -> int:
        return self._errors(self._head, self._key(sha256), sha256)

    def verify(self, sha256: str) -> bool:
        with self.open(sha256) as blob:
            return hash_stream(blob)[0] == sha256

    def iter_blobs(self) -> Iterator[str]:
        """Every blob's SHA-256 in order (S3 lists keys sorted), page by page."""
        root = f"{self.prefix}blobs/"
        with s3_errors(self._where, self.bucket):
            for entry in self._list(root):
                name = entry["Key"][len(root) :]
                first, second, sha256 = (name.split("/") + ["", ""])[:3]
                if SHA256_PATTERN.fullmatch(sha256) and sha256.startswith(first + second):
                    yield sha256

    def delete_temporary(self, older_than_seconds: float) -> int:
        """Remove what uploads abandoned by a crash left: temporary objects, and parts
        of multipart uploads never completed (which the server keeps, and bills, forever)."""
        deadline = datetime.now(UTC) - timedelta(seconds=older_than_seconds)
        return self._errors(self._delete_temporary, deadline)

    def delete(self, sha256: str) -> bool:
        key = self._key(sha256)
        if not self.exists(sha256):
            return False
        self._errors(self.client.delete_object, Bucket=self.bucket, Key=key)
        return True

    def check(self) -> None:
        """A write and its removal: a bucket that can be listed may still refuse writes."""
        key = f"{self.prefix}tmp/ready-{uuid.uuid4().hex}"
        self._errors(self.client.put_object, Bucket=self.bucket, Key=key, Body=b"ok")
        self._errors(self.client.delete_object, Bucket=self.bucket, Key=key)

    @contextmanager
    def local_file(self, sha256: str) -> Iterator[Path]:
        with self.open(sha256) as blob, tempfile.TemporaryDirectory(prefix="ged-blob-") as tmp:
            path = Path(tmp) / sha256
            with path.open("wb") as out:
                shutil.copyfileobj(blob, out, CHUNK_SIZE)
            path.chmod(0o444)
            yield path

    def _key(self, sha256: str) -> str:
        validate_sha256(sha256)
        return f"{self.prefix}blobs/{sha256[:2]}/{sha256[2:4]}/{sha256}"

    def _errors(self, function: Any, *args: Any, **kwargs: Any) -> Any:
        with s3_errors(self._where, self.bucket):
            return function(*args, **kwargs)

    def _head(self, key: str, sha256: str) -> int:
        try:
            return int(self.client.head_object(Bucket=self.bucket, Key=key)["ContentLength"])
        except ClientError as exc:
            if _status(exc) != 404:
                raise
        # A HEAD answer has no body to say which is missing, the object or the bucket.
        try:
            self.client.head_bucket(Bucket=self.bucket)
        except ClientError as exc:
            if _status(exc) == 404:
                raise no_such_bucket(self._where, self.bucket) from None
            raise
        raise BlobNotFound(sha256)

    def _size_or_none(self, key: str) -> int | None:
        try:
            return self._head(key, "")
        except BlobNotFound:
            return None

    def _put_whole(self, sha256: str, data: bytearray) -> StoredBlob:
        """One request, refused by the server unless the bytes it got hash to `sha256`;
        If-None-Match makes exactly one of concurrent puts of the same content create it."""
        key = self._key(sha256)
        checks = {
            "ContentMD5": _b64(hashlib.md5(data).digest()),
            "ChecksumSHA256": _b64(bytes.fromhex(sha256)),
        }
        try:
            self.client.put_object(
                Bucket=self.bucket, Key=key, Body=data, IfNoneMatch="*", **checks
            )
            return StoredBlob(sha256, len(data), True)
        except ClientError as exc:
            if _status(exc) != 412:
                raise
        if self._size_or_none(key) == len(data):
            return StoredBlob(sha256, len(data), False)
        # The existing copy is truncated (or vanished since): replace it with our good bytes.
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, **checks)
        return StoredBlob(sha256, len(data), True)

    def _install(self, temp_key: str, sha256: str, size: int) -> StoredBlob:
        """Give the complete temporary object its name; True if this call stored the content."""
        key = self._key(sha256)
        # Only the size is compared, as in the local store: fsck finds same-size damage.
        if self._size_or_none(key) == size:
            return StoredBlob(sha256, size, False)
        self.client.copy(
            {"Bucket": self.bucket, "Key": temp_key},
            self.bucket,
            key,
            Config=TransferConfig(
                multipart_threshold=COPY_PART_SIZE, multipart_chunksize=COPY_PART_SIZE
            ),
        )
        if self._size_or_none(key) != size:
            raise ServiceUnavailable(
                "blob store", f"{self._where} holds {key} with another length than was sent"
            )
        return StoredBlob(sha256, size, True)

    def _list(self, prefix: str) -> Iterator[dict[str, Any]]:
        pages = self.client.get_paginator("list_objects_v2")
        for page in pages.paginate(Bucket=self.bucket, Prefix=prefix):
            yield from page.get("Contents", ())

    def _delete_temporary(self, deadline: datetime) -> int:
        root = f"{self.prefix}tmp/"
        removed = 0
        for entry in list(self._list(root)):
            if entry["LastModified"] < deadline:
                self.client.delete_object(Bucket=self.bucket, Key=entry["Key"])
                removed += 1
        pages = self.client.get_paginator("list_multipart_uploads")
        for page in pages.paginate(Bucket=self.bucket, Prefix=root):
            for upload in page.get("Uploads", ()):
                if upload["Initiated"] < deadline:
                    self.client.abort_multipart_upload(
                        Bucket=self.bucket, Key=upload["Key"], UploadId=upload["UploadId"]
                    )
                    removed += 1
        return removed


class _Upload:
    """A multipart upload to a temporary key, whose parts' MD5s give the ETag to expect."""

    def __init__(self, store: S3BlobStore) -> None:
        self.client = store.client
        self.bucket = store.bucket
        self.key = f"{store.prefix}tmp/{uuid.uuid4()}"
        self.where = store._where
        self.upload_id = self.client.create_multipart_upload(Bucket=self.bucket, Key=self.key)[
            "UploadId"
        ]
        self.parts: list[dict[str, Any]] = []
        self.md5s: list[bytes] = []
        self.completed = False

    def send(self, data: bytearray) -> None:
        md5 = hashlib.md5(data).digest()
        number = len(self.parts) + 1
        answer = self.client.upload_part(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            PartNumber=number,
            Body=data,
            ContentMD5=_b64(md5),
        )
        self.parts.append({"ETag": answer["ETag"], "PartNumber": number})
        self.md5s.append(md5)

    def complete(self, size: int) -> None:
        answer = self.client.complete_multipart_upload(
            Bucket=self.bucket,
            Key=self.key,
            UploadId=self.upload_id,
            MultipartUpload={"Parts": self.parts},
        )
        self.completed = True
        expected = f"{hashlib.md5(b''.join(self.md5s)).hexdigest()}-{len(self.md5s)}"
        head = self.client.head_object(Bucket=self.bucket, Key=self.key)
        if answer.get("ETag", "").strip('"') != expected or head["ContentLength"] != size:
            raise ServiceUnavailable(
                "blob store", f"{self.where} assembled an upload other than the parts sent"
            )

    def discard(self) -> None:
        if self.completed:
            self.client.delete_object(Bucket=self.bucket, Key=self.key)
        else:
            self.client.abort_multipart_upload(
                Bucket=self.bucket, Key=self.key, UploadId=self.upload_id
            )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _status(exc: ClientError) -> int:
    return int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0))
