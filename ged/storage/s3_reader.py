"""Reading an S3 object as a seekable file, and the S3 errors said to people.

A seek costs nothing: the next read asks the server for the bytes from there on (a
ranged GET), so serving an HTTP `Range` of a large blob fetches only that range.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ged.errors import ServiceUnavailable

_REFUSED = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403", "401"}


@contextmanager
def s3_errors(where: str, bucket: str) -> Iterator[None]:
    """Turn what boto3 raises into a ServiceUnavailable that names the setting to check."""
    try:
        yield
    except ClientError as exc:
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        if code == "NoSuchBucket":
            raise no_such_bucket(where, bucket) from None
        if code in _REFUSED:
            raise ServiceUnavailable(
                "blob store",
                f"{where} refuses ged's credentials for the bucket {bucket!r} ({code}): "
                "check storage.access_key and storage.secret_key",
            ) from None
        raise ServiceUnavailable(
            "blob store", f"{where} refused a request ({code}: {error.get('Message', '')})"
        ) from None
    except BotoCoreError as exc:
        raise ServiceUnavailable(
            "blob store", f"cannot reach {where} (storage.endpoint): {exc}"
        ) from None


def no_such_bucket(where: str, bucket: str) -> ServiceUnavailable:
    return ServiceUnavailable(
        "blob store", f"the bucket {bucket!r} does not exist on {where} (storage.bucket)"
    )


class S3Reader(io.RawIOBase):
    def __init__(self, client: Any, bucket: str, key: str, size: int, where: str) -> None:
        self._client = client
        self._bucket = bucket
        self._key = key
        self._size = size
        self._where = where
        self._position = 0
        self._body: Any = None

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        position = max(0, base + offset)
        if position != self._position:
            self._drop_body()
            self._position = position
        return position

    def readinto(self, buffer: Any) -> int:
        """Fill `buffer` unless the end comes first (callers read a blob's head in one go)."""
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view) and self._position < self._size:
            if self._body is None:
                with s3_errors(self._where, self._bucket):
                    self._body = self._client.get_object(
                        Bucket=self._bucket, Key=self._key, Range=f"bytes={self._position}-"
                    )["Body"]
            with s3_errors(self._where, self._bucket):
                data = self._body.read(len(view) - filled)
            if not data:
                break
            view[filled : filled + len(data)] = data
            filled += len(data)
            self._position += len(data)
        return filled

    def close(self) -> None:
        self._drop_body()
        super().close()

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None
