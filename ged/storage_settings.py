"""The [storage] section: where the blobs live, a local directory or an S3 bucket.

Apart from ``ged.config`` (which re-exports it) to keep that module to its size.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ged.config_sections import Section
from ged.errors import ConfigError


class StorageSettings(Section):
    #: "local": a directory (path); "s3": a bucket of an S3-compatible object store
    #: (Ceph RGW, MinIO, Garage, SeaweedFS, Outscale, OVH, Scaleway…)
    backend: Literal["local", "s3"] = "local"
    #: the local store's directory (backend = "local")
    path: Path = Path("var/blobs")
    #: the S3 server's URL (https://s3.fr-par.scw.cloud); empty: Amazon's, for the region
    endpoint: str = ""
    #: the bucket, created beforehand by the object store's administrator
    bucket: str = ""
    region: str = "us-east-1"
    access_key: str = ""
    secret_key: str = ""
    #: a file whose first line is the secret key, to keep it out of this file
    secret_key_file: Path | None = None
    #: address buckets as <endpoint>/<bucket> (most on-premise stores) rather than
    #: <bucket>.<endpoint> (virtual-hosted, as Amazon prefers)
    path_style: bool = True
    #: put every key under this prefix ("ged/"), to share a bucket with other data
    prefix: str = Field("", pattern=r"^([A-Za-z0-9._-]+/)*$")
    #: the size of each part of a multipart upload; the S3 protocol's minimum is 5
    part_size_mb: int = Field(8, ge=5, le=512)
    #: seconds to connect to the S3 server, and to wait for each of its answers
    timeout: float = Field(10.0, gt=0, le=300)

    @field_validator("secret_key_file", mode="before")
    @classmethod
    def _empty_file_is_none(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("endpoint")
    @classmethod
    def _an_url(cls, value: str) -> str:
        if value and not value.startswith(("https://", "http://")):
            raise ValueError(f"the endpoint must be an https:// URL, not {value!r}")
        return value.rstrip("/")

    @model_validator(mode="after")
    def _complete(self) -> StorageSettings:
        if self.backend == "s3" and not self.bucket:
            raise ValueError("bucket is required with backend = 's3'")
        if self.backend == "s3" and bool(self.access_key) != bool(
            self.secret_key or self.secret_key_file
        ):
            raise ValueError(
                "access_key and secret_key (or secret_key_file) go together; "
                "leave all empty to use the machine's AWS credentials"
            )
        return self

    def secret(self) -> str:
        """The secret key, from the file when one is named."""
        if self.secret_key_file is None:
            return self.secret_key
        try:
            lines = self.secret_key_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise ConfigError(f"storage.secret_key_file: cannot read it ({exc})") from None
        return lines[0].strip() if lines else ""

    def resolved(self, absolute: Callable[[Path], Path]) -> StorageSettings:
        """The same settings with their files' paths made absolute."""
        secret_file = self.secret_key_file
        return self.model_copy(
            update={
                "path": absolute(self.path),
                "secret_key_file": absolute(secret_file) if secret_file else None,
            }
        )
