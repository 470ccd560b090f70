"""What only the S3 blob store has: its multipart uploads, its settings, and the errors
it says when the S3 server is down, the bucket missing or the credentials wrong. Against
the test S3 server (s3proxy); the behaviour it shares with the local store is tested in
test_storage.py on both."""

from __future__ import annotations

import hashlib
import io
import os
import random
import socket
import time
from pathlib import Path

import pytest

from ged.config import StorageSettings, load_settings
from ged.errors import ConfigError, ServiceUnavailable
from ged.storage import make_blob_store
from ged.storage.s3 import S3BlobStore
from tests import s3
from tests.storage_backends import Backend, location


@pytest.fixture
def section(s3_urls: dict[str, str], s3_bucket: str) -> dict:
    return s3.storage_section(s3_urls, s3_bucket)


@pytest.fixture
def backend(section: dict) -> Backend:
    return Backend("s3", S3BlobStore(StorageSettings(**section)))


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_factory_builds_an_s3_store_from_the_settings(section: dict) -> None:
    store = make_blob_store(StorageSettings(**section))

    stored = store.put(io.BytesIO(b"configured"))

    assert isinstance(store, S3BlobStore)
    keys = [o["Key"] for o in store.client.list_objects_v2(Bucket=section["bucket"])["Contents"]]
    assert f"{section['prefix']}blobs/{location(stored.sha256)}" in keys


def test_the_secret_key_may_come_from_a_file(section: dict, tmp_path: Path) -> None:
    (tmp_path / "s3-secret").write_text(section.pop("secret_key") + "\n")
    config = tmp_path / "ged.toml"
    lines = [f"{key} = {value!r}" for key, value in section.items() if key != "part_size_mb"]
    config.write_text("[storage]\n" + "\n".join(lines) + '\nsecret_key_file = "s3-secret"\n')

    settings = load_settings(config, environ={})

    assert settings.storage.secret_key_file == tmp_path / "s3-secret"
    make_blob_store(settings.storage).check()


def test_an_s3_store_needs_a_bucket_and_both_keys() -> None:
    with pytest.raises(ConfigError, match="bucket is required"):
        load_settings(None, environ={"GED_STORAGE__BACKEND": "s3"})
    with pytest.raises(ConfigError, match="go together"):
        load_settings(
            None,
            environ={
                "GED_STORAGE__BACKEND": "s3",
                "GED_STORAGE__BUCKET": "ged",
                "GED_STORAGE__ACCESS_KEY": "key",
            },
        )


def test_a_large_upload_goes_in_parts_and_is_copied_into_place(backend: Backend) -> None:
    data = random.Random(5).randbytes(16 * 1024 * 1024 + 1)

    stored = backend.store.put(io.BytesIO(data))

    head = backend.store.client.head_object(
        Bucket=backend.store.bucket, Key=f"{backend.store.prefix}blobs/{location(stored.sha256)}"
    )
    assert head["ContentLength"] == len(data)
    assert backend.read(stored.sha256) == data
    assert backend.temporaries() == []


def test_delete_temporary_removes_leftovers_and_abandoned_multipart_uploads(
    backend: Backend,
) -> None:
    store = backend.store
    store.put(io.BytesIO(b"keep me"))
    backend.write("tmp/put-leftover", b"partial")
    store.client.create_multipart_upload(Bucket=store.bucket, Key=f"{store.prefix}tmp/crashed")

    assert store.delete_temporary(older_than_seconds=3600) == 0
    assert len(backend.temporaries()) == 2
    time.sleep(1.1)  # the server dates objects to the second
    assert store.delete_temporary(older_than_seconds=0.5) == 2

    assert backend.temporaries() == []
    assert len(list(store.iter_blobs())) == 1


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"secret_key": "not-the-secret"}, "storage.access_key and storage.secret_key"),
        ({"access_key": "nobody"}, "storage.access_key and storage.secret_key"),
        ({"bucket": "ged-no-such-bucket"}, "storage.bucket"),
        ({"endpoint": "http://127.0.0.1:{closed}", "timeout": 1}, "storage.endpoint"),
    ],
)
def test_a_store_that_cannot_be_used_says_which_setting_to_check(
    section: dict, change: dict, named: str
) -> None:
    change = {
        k: v.format(closed=closed_port()) if isinstance(v, str) else v for k, v in change.items()
    }
    store = make_blob_store(StorageSettings(**{**section, **change}))

    for operation in (
        store.check,
        lambda: store.put(io.BytesIO(b"data")),
        lambda: store.exists("0" * 64),
        lambda: list(store.iter_blobs()),
    ):
        with pytest.raises(ServiceUnavailable, match=named) as raised:
            operation()
        assert raised.value.service == "blob store"


def test_a_forked_child_uses_a_client_of_its_own(backend: Backend) -> None:
    # As an RQ worker's job does: the parent built the store, the child uses it.
    parent_client = backend.store.client
    pid = os.fork()
    if pid == 0:  # the child: no pytest here, only an exit status
        ok = backend.store.client is not parent_client
        ok = ok and backend.store.put(io.BytesIO(b"from the child")).created
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)

    assert os.waitstatus_to_exitcode(status) == 0
    assert backend.store.client is parent_client
    assert backend.store.exists(hashlib.sha256(b"from the child").hexdigest())
