"""Reading an S3 object as a seekable file, and the S3 errors said to people.

A seek costs nothing: the next read asks the server for the bytes from there on, by
ranged GETs of a window that starts at 1 MiB and doubles up to 64 MiB while the reading
goes on, so serving an HTTP `Range` of a large blob fetches about that range, and a
whole download takes a few dozen requests per GiB.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from ged.errors import ServiceUnavailable

FIRST_WINDOW = 1024 * 1024
LAST_WINDOW = 64 * 1024 * 1024
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
        self._window = FIRST_WINDOW
        self._body_start = 0

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
            self._window = FIRST_WINDOW
        return position

    def readinto(self, buffer: Any) -> int:
        """Fill `buffer` unless the end comes first (callers read a blob's head in one go)."""
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view) and self._position < self._size:
            if self._body is None:
                self._body = self._get_window()
            with s3_errors(self._where, self._bucket):
                data = self._body.read(len(view) - filled)
            if not data:  # this window is read: the next one
                if self._body_start == self._position:
                    break  # the object is shorter than it said: not our bytes to invent
                self._drop_body()
                continue
            view[filled : filled + len(data)] = data
            filled += len(data)
            self._position += len(data)
        return filled

    def _get_window(self) -> Any:
        end = min(self._position + self._window, self._size) - 1
        self._window = min(self._window * 2, LAST_WINDOW)
        self._body_start = self._position
        with s3_errors(self._where, self._bucket):
            return self._client.get_object(
                Bucket=self._bucket, Key=self._key, Range=f"bytes={self._position}-{end}"
            )["Body"]

    def close(self) -> None:
        self._drop_body()
        super().close()

    def _drop_body(self) -> None:
        if self._body is not None:
            self._body.close()
            self._body = None
