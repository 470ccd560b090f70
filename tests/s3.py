"""The test S3 server (s3proxy, started by scripts/services.py): a bucket per run and
xdist worker, and a key prefix per test within it, so that tests never see each other's
blobs."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from typing import Any

from ged.config import StorageSettings
from ged.storage.s3 import make_client


def storage_section(urls: dict[str, str], run_bucket: str, **overrides: Any) -> dict[str, Any]:
    """The [storage] keys of an S3 store in the run's bucket with a prefix of its own."""
    return {
        "backend": "s3",
        "endpoint": urls["s3_endpoint"],
        "bucket": run_bucket,
        "access_key": urls["s3_access_key"],
        "secret_key": urls["s3_secret_key"],
        "prefix": f"t-{uuid.uuid4().hex[:12]}/",
        # The protocol's smallest part, so that a few MiB already take the multipart path.
        "part_size_mb": 5,
        **overrides,
    }


def run_bucket(urls: dict[str, str], worker: str) -> Iterator[str]:
    """Create this run's bucket, yield its name, then empty and remove it."""
    slot = os.environ.get("TEST_SLOT", "0")
    name = f"ged-test-{slot}-{worker}-{uuid.uuid4().hex[:8]}".lower()
    client = make_client(StorageSettings(**storage_section(urls, name)))
    client.create_bucket(Bucket=name)
    yield name
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=name):
        for entry in page.get("Contents", ()):
            client.delete_object(Bucket=name, Key=entry["Key"])
    for page in client.get_paginator("list_multipart_uploads").paginate(Bucket=name):
        for upload in page.get("Uploads", ()):
            client.abort_multipart_upload(
                Bucket=name, Key=upload["Key"], UploadId=upload["UploadId"]
            )
    client.delete_bucket(Bucket=name)
