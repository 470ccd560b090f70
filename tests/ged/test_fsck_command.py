"""`ged fsck` against real uploads: corruption, loss and interrupted uploads are reported."""

from __future__ import annotations

import getpass
import hashlib
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from ged.cli import cli
from ged.models import AuditEvent, Version
from ged.services import documents
from tests.filed import COMBINATIONS, PDF, Filed, combination_sections, open_installation
from tests.migrated import migrate
from tests.processes import storage_environment


@pytest.fixture(params=COMBINATIONS, ids="-".join)
def filed(request, make_settings) -> Iterator[Filed]:
    """Two documents filed by an agent through the service layer, on each database, and
    on each blob store."""
    settings = make_settings(**combination_sections(request))
    migrate(settings.database.url)
    filed = open_installation(settings)
    for n in range(2):
        filed.file(f"d{n}.pdf", PDF + f"document {n}".encode())
    yield filed
    filed.runtime.close()


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
        filed.file("crash.pdf", content)
    with filed.runtime.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Version)) == 2

    result = run_fsck(settings)
    assert result.exit_code == 2  # only an orphan: wasted space, never a dangling row
    assert f"orphaned {hashlib.sha256(content).hexdigest()}" in result.output
    assert "0 missing, 0 corrupt, 1 orphaned" in result.output
