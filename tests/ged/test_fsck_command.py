"""`ged fsck` against real uploads: corruption, loss and interrupted uploads are reported."""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from io import BytesIO

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from ged.access import Principal, principal_for
from ged.bootstrap import Runtime, build
from ged.cli import cli
from ged.config import Settings
from ged.models import AuditEvent, User, Version
from ged.services import documents
from ged.services.documents import Metadata, Upload
from tests import s3
from tests.migrated import migrate
from tests.processes import storage_environment
from tests.storage_backends import Backend

PDF = b"%PDF-1.4\n%%EOF\n"


@dataclass
class Filed:
    settings: Settings
    runtime: Runtime
    agent: Principal
    backend: Backend
    shas: list[str] = field(default_factory=list)

    def file(self, content: bytes, name: str) -> None:
        with self.runtime.unit_of_work() as uow:
            documents.create_document(uow, self.agent, Upload(BytesIO(content), name), Metadata())


@pytest.fixture(
    params=[("sqlite", "local"), ("postgresql", "local"), ("sqlite", "s3")], ids="-".join
)
def filed(request, make_settings) -> Iterator[Filed]:
    """Two documents filed by an agent through the service layer, on each database, and
    on each blob store."""
    database, backend = request.param
    storage = {}
    if backend == "s3":
        urls, bucket = request.getfixturevalue("s3_urls"), request.getfixturevalue("s3_bucket")
        storage = s3.storage_section(urls, bucket)
    if database == "sqlite":
        settings = make_settings(storage=storage)
        migrate(settings.database.url)
    else:
        url = request.getfixturevalue("fresh_postgres_url")
        settings = make_settings(database={"url": url}, storage=storage)
    runtime = build(settings)
    with runtime.unit_of_work() as uow:
        uow.session.add(User(username="agent", role="agent"))
        uow.commit()
        agent = principal_for(uow.session.scalars(select(User)).one())
    filed = Filed(settings, runtime, agent, Backend(backend, runtime.adapters.blobs))
    for n in range(2):
        content = PDF + f"document {n}".encode()
        filed.file(content, f"d{n}.pdf")
        filed.shas.append(hashlib.sha256(content).hexdigest())
    yield filed
    runtime.close()


def run_fsck(settings):
    env = {"GED_DATABASE__URL": settings.database.url, **storage_environment(settings)}
    return CliRunner().invoke(cli, ["fsck"], env=env)


def test_fsck_is_clean_after_normal_uploads(filed):
    settings = filed.settings
    result = run_fsck(settings)
    assert result.exit_code == 0, result.output
    assert "2 blob(s)" in result.output
    assert "0 missing, 0 corrupt, 0 orphaned" in result.output
    with filed.runtime.unit_of_work() as uow:
        checked = uow.session.scalars(select(AuditEvent).where(AuditEvent.action == "cli.fsck"))
        recorded = [(event.actor, event.details) for event in checked]
    assert recorded == [(f"cli:{getpass.getuser()}", {"exit_status": 0})]


def test_fsck_reports_a_blob_altered_in_the_store(filed):
    settings, shas = filed.settings, filed.shas
    filed.backend.damage(shas[0])
    result = run_fsck(settings)
    assert result.exit_code == 1
    assert f"corrupt {shas[0]}" in result.output


def test_fsck_reports_a_missing_blob(filed):
    settings, shas = filed.settings, filed.shas
    filed.backend.remove(shas[1])
    result = run_fsck(settings)
    assert result.exit_code == 1
    assert f"missing {shas[1]}" in result.output


def test_crash_between_blob_write_and_commit_leaves_no_version_and_at_most_an_orphan(
    filed, monkeypatch
):
    settings = filed.settings
    content = PDF + b"interrupted upload"

    def crash(*_args, **_kwargs):
        raise RuntimeError("simulated crash after the blob write, before the commit")

    monkeypatch.setattr(documents, "record_blob", crash)
    with pytest.raises(RuntimeError, match="simulated crash"):
        filed.file(content, "crash.pdf")
    with filed.runtime.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Version)) == 2

    result = run_fsck(settings)
    assert result.exit_code == 2  # only an orphan: wasted space, never a dangling row
    assert f"orphaned {hashlib.sha256(content).hexdigest()}" in result.output
    assert "0 missing, 0 corrupt, 1 orphaned" in result.output
