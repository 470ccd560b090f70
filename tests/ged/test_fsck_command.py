"""`ged fsck` against real uploads: corruption, loss and interrupted uploads are reported."""

from __future__ import annotations

import hashlib
import os
from io import BytesIO

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from ged.access import principal_for
from ged.cli import cli
from ged.db import make_engine, make_session_factory
from ged.migrate import upgrade
from ged.models import User, Version
from ged.services import documents
from ged.services.documents import Metadata, Upload
from ged.storage import make_blob_store
from tests.apiclient import seed_accounts

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(params=["sqlite", "postgresql"])
def filed(request, make_settings):
    """Two documents filed through the service layer, on each database; (settings, sha256s)."""
    if request.param == "sqlite":
        settings = make_settings()
        upgrade(settings.database.url)
    else:
        settings = make_settings(database={"url": request.getfixturevalue("fresh_postgres_url")})
    seed_accounts(settings)
    engine = make_engine(settings.database)
    shas = []
    with make_session_factory(engine)() as session:
        agent = principal_for(session.scalars(select(User).where(User.username == "agent")).one())
        store = make_blob_store(settings.storage)
        for n in range(2):
            content = PDF + f"document {n}".encode()
            documents.create_document(
                session, store, agent, Upload(BytesIO(content), f"d{n}.pdf"), Metadata(), 10**6
            )
            shas.append(hashlib.sha256(content).hexdigest())
    engine.dispose()
    return settings, shas


def run_fsck(settings):
    env = {
        "GED_DATABASE__URL": settings.database.url,
        "GED_STORAGE__PATH": str(settings.storage.path),
    }
    return CliRunner().invoke(cli, ["fsck"], env=env)


def blob_path(settings, sha256: str):
    return settings.storage.path / sha256[:2] / sha256[2:4] / sha256


def test_fsck_is_clean_after_normal_uploads(filed):
    settings, _ = filed
    result = run_fsck(settings)
    assert result.exit_code == 0, result.output
    assert "2 blob(s)" in result.output
    assert "0 missing, 0 corrupt, 0 orphaned" in result.output


def test_fsck_reports_a_blob_altered_on_disk(filed):
    settings, shas = filed
    path = blob_path(settings, shas[0])
    os.chmod(path, 0o644)
    with open(path, "r+b") as handle:
        handle.seek(3)
        handle.write(b"X")
    result = run_fsck(settings)
    assert result.exit_code == 1
    assert f"corrupt {shas[0]}" in result.output


def test_fsck_reports_a_missing_blob(filed):
    settings, shas = filed
    blob_path(settings, shas[1]).unlink()
    result = run_fsck(settings)
    assert result.exit_code == 1
    assert f"missing {shas[1]}" in result.output


def test_crash_between_blob_write_and_commit_leaves_no_version_and_at_most_an_orphan(
    filed, monkeypatch
):
    settings, _ = filed
    content = PDF + b"interrupted upload"

    def crash(*_args, **_kwargs):
        raise RuntimeError("simulated crash after the blob write, before the commit")

    monkeypatch.setattr(documents, "_record_blob", crash)
    engine = make_engine(settings.database)
    with make_session_factory(engine)() as session:
        agent = principal_for(session.scalars(select(User).where(User.username == "agent")).one())
        with pytest.raises(RuntimeError, match="simulated crash"):
            documents.create_document(
                session,
                make_blob_store(settings.storage),
                agent,
                Upload(BytesIO(content), "crash.pdf"),
                Metadata(),
                10**6,
            )
    with make_session_factory(engine)() as session:
        assert session.scalar(select(func.count()).select_from(Version)) == 2
    engine.dispose()

    result = run_fsck(settings)
    assert result.exit_code == 2  # only an orphan: wasted space, never a dangling row
    assert f"orphaned {hashlib.sha256(content).hexdigest()}" in result.output
    assert "0 missing, 0 corrupt, 1 orphaned" in result.output
