"""`ged storage migrate --to s3`: a local store copied into a bucket of the test S3 server,
interrupted by SIGKILL and resumed, then `ged fsck` on the bucket."""

from __future__ import annotations

import io
import os
import random
import signal
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ged.bootstrap import build
from ged.cli import cli
from ged.models import AuditEvent, Blob
from ged.storage.local import LocalBlobStore
from tests import s3
from tests.migrated import migrate
from tests.processes import ged_environment
from tests.storage_backends import Backend, location

#: a few hundred in the suite; `MIGRATE_BLOBS=10000 pytest tests/test_cli_storage.py` runs the
#: issue's 10,000 (about five minutes here, with the local store and the bucket filled)
BLOBS = int(os.environ.get("MIGRATE_BLOBS", "300"))


@pytest.fixture
def filled(make_settings, s3_urls, s3_bucket):
    """Settings whose [storage] names both the local store (backend = "local", in use) and
    an S3 bucket, with BLOBS small blobs in the local store, each recorded in the database."""
    storage = s3.storage_section(s3_urls, s3_bucket, backend="local")
    settings = make_settings(storage=storage)
    migrate(settings.database.url)
    local = LocalBlobStore(settings.storage.path)
    rows = []
    for n in range(BLOBS):
        size = random.Random(n).randrange(10, 3000)
        stored = local.put(io.BytesIO(random.Random(n).randbytes(size)))
        rows.append(Blob(sha256=stored.sha256, size=stored.size))
    runtime = build(settings)
    with runtime.unit_of_work() as uow:
        uow.session.add_all(rows)
        uow.commit()
    runtime.close()
    return settings


def on_s3(settings):
    return settings.model_copy(
        update={"storage": settings.storage.model_copy(update={"backend": "s3"})}
    )


def bucket_view(settings) -> Backend:
    return Backend("s3", build(on_s3(settings)).adapters.blobs)


def ged(settings, *args: str, **popen) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "ged", *args],
        env=ged_environment(settings),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        **popen,
    )


@pytest.mark.timeout(120 + BLOBS // 20)
def test_a_migration_killed_halfway_resumes_and_leaves_a_clean_bucket(filled):
    bucket = bucket_view(filled)
    first = ged(filled, "storage", "migrate", "--to", "s3")
    deadline = time.monotonic() + 60
    while len(bucket.stored()) < BLOBS // 4 and first.poll() is None:
        assert time.monotonic() < deadline, "the migration copied nothing in a minute"
        time.sleep(0.05)
    first.send_signal(signal.SIGKILL)
    first.communicate()
    copied_before = len(bucket.stored())
    assert first.returncode == -signal.SIGKILL, "finished before it could be interrupted"
    assert BLOBS // 4 <= copied_before < BLOBS

    second = ged(filled, "storage", "migrate", "--to", "s3")
    _, errors = second.communicate(timeout=90 + BLOBS // 50)

    assert second.returncode == 0, errors
    copied = BLOBS - copied_before
    assert f"{copied} blob(s) copied" in errors
    assert f"{copied_before} already there, 0 corrupt" in errors
    assert "migrate: 100%" in errors  # tqdm's bar
    local = LocalBlobStore(filled.storage.path)
    assert bucket.stored() == sorted(location(sha256) for sha256 in local.iter_blobs())
    fsck = ged(on_s3(filled), "fsck")
    _, report = fsck.communicate(timeout=60 + BLOBS // 50)
    assert fsck.returncode == 0, report
    assert f"{BLOBS} blob(s)" in report
    assert "0 missing, 0 corrupt, 0 orphaned" in report


def test_a_corrupt_local_blob_is_not_copied(make_settings, s3_urls, s3_bucket):
    settings = make_settings(storage=s3.storage_section(s3_urls, s3_bucket, backend="local"))
    migrate(settings.database.url)
    local = Backend("local", LocalBlobStore(settings.storage.path))
    good, bad = (local.store.put(io.BytesIO(data)) for data in (b"good bytes", b"bad bytes"))
    local.damage(bad.sha256)
    env = ged_environment(settings)
    env = {key: value for key, value in env.items() if key.startswith("GED_")}

    result = CliRunner().invoke(cli, ["storage", "migrate", "--to", "s3"], env=env)

    assert result.exit_code == 1, result.output
    assert f"corrupt {bad.sha256}" in result.output
    assert bucket_view(settings).stored() == [location(good.sha256)]
    runtime = build(settings)
    with runtime.unit_of_work() as uow:
        event = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "cli.storage.migrate")
        ).one()
        assert event.details == {"copied": 1, "present": 0, "corrupt": 1}
    runtime.close()


def test_migrate_says_which_setting_is_missing(make_settings):
    settings = make_settings()
    env = {key: value for key, value in ged_environment(settings).items() if key.startswith("GED_")}

    result = CliRunner().invoke(cli, ["storage", "migrate", "--to", "s3"], env=env)

    assert result.exit_code == 2
    assert "bucket is required" in result.output
