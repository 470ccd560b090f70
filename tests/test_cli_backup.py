"""`ged backup verify` on a copy as a restore leaves it: consistent, then with each thing a
restore can get wrong (a blob lost or damaged, the audit trail edited, the wrong or a
missing audit key, a dump of an older schema), each named."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path

import pytest
from alembic import command
from alembic.script import ScriptDirectory
from click.testing import CliRunner, Result
from sqlalchemy import select
from sqlalchemy.engine import make_url

from ged.audit.seal import generate_key, public_key_file, seal_checkpoint
from ged.cli import cli
from ged.config import Settings
from ged.migrate import SCRIPT_LOCATION, alembic_config
from ged.models import AuditEvent
from tests.filed import COMBINATIONS, Filed, combination_sections, open_installation
from tests.ged.test_audit_verify import tamper
from tests.migrated import migrate
from tests.processes import ged_environment


def ged(settings: Settings, *args: str) -> Result:
    env = {key: value for key, value in ged_environment(settings).items() if key.startswith("GED_")}
    return CliRunner().invoke(cli, list(args), env=env)


def verify(settings: Settings, *options: str) -> Result:
    return ged(settings, "backup", "verify", *options)


#: the audit trail, its key and the schema do not depend on the blob store
ON_EACH_DATABASE = pytest.mark.parametrize(
    "installation", [("sqlite", "local"), ("postgresql", "local")], indirect=True, ids="-".join
)


@pytest.fixture(params=COMBINATIONS, ids="-".join)
def installation(request, make_settings, tmp_path) -> Iterator[Filed]:
    """An installation with an audit key, two documents filed, a checkpoint sealed over
    them, then a third document: on each database, and on each blob store."""
    settings = make_settings(
        **combination_sections(request), audit={"key_file": tmp_path / "keys" / "audit.key"}
    )
    migrate(settings.database.url)
    generate_key(settings.audit.key_file)
    installed = open_installation(settings)
    installed.file("d0.pdf")
    installed.file("d1.pdf")
    with installed.runtime.unit_of_work() as uow:
        seal_checkpoint(uow.session, settings)
    installed.file("d2.pdf")
    yield installed
    installed.runtime.close()


def test_a_consistent_copy_passes_and_the_check_is_recorded(installation):
    result = verify(installation.settings)
    assert result.exit_code == 0, result.output
    assert "schema: at this release's head" in result.output
    assert "audit: OK:" in result.output
    assert "2 checkpoint(s) stored" in result.output
    assert "3 blob(s)" in result.output
    assert "0 missing, 0 corrupt, 0 orphaned" in result.output
    assert "PROBLEM" not in result.output
    assert result.output.rstrip().endswith("make one consistent copy")
    with installation.runtime.unit_of_work() as uow:
        event = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "cli.backup.verify")
        ).one()
        assert event.details["ok"] is True
    # The event extends the chain it was recorded after: a second run still verifies it.
    assert verify(installation.settings).exit_code == 0


def test_a_copy_restored_elsewhere_from_files_passes(make_settings, tmp_path):
    """The database file (SQLite's online backup), the blob directory and the key files
    copied to another place, as a restore does, verify there."""
    original = make_settings(audit={"key_file": tmp_path / "audit.key"})
    migrate(original.database.url)
    generate_key(original.audit.key_file)
    installed = open_installation(original)
    installed.file("kept.pdf")
    with installed.runtime.unit_of_work() as uow:
        seal_checkpoint(uow.session, original)
    installed.runtime.close()

    restored = tmp_path / "restored"
    restored.mkdir()
    dump_sqlite(original, restored / "ged.sqlite3")
    shutil.copytree(original.storage.path, restored / "blobs")
    for key in (original.audit.key_file, public_key_file(original.audit.key_file)):
        shutil.copy2(key, restored / key.name)
    copy = make_settings(
        database={"url": f"sqlite:///{restored / 'ged.sqlite3'}"},
        storage={"path": restored / "blobs"},
        audit={"key_file": restored / "audit.key"},
    )

    result = verify(copy)
    assert result.exit_code == 0, result.output
    assert "1 blob(s)" in result.output


@pytest.mark.parametrize("installation", [("postgresql", "local")], indirect=True, ids="-".join)
def test_a_postgresql_dump_restored_into_another_database_passes(
    installation, create_postgres_database, tmp_path
):
    """pg_dump and pg_restore, as README's "Backup and restore" says, keep the audit chain
    and the checkpoints verifiable: what is hashed comes back byte for byte."""
    dump = tmp_path / "ged.dump"
    source = libpq_url(installation.settings.database.url)
    subprocess.run(["pg_dump", "--format=custom", f"--file={dump}", source], check=True)
    restored_url = create_postgres_database("restored")
    subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--exit-on-error",
            f"--dbname={libpq_url(restored_url)}",
            dump,
        ],
        check=True,
    )
    restored = installation.settings.model_copy(
        update={"database": installation.settings.database.model_copy(update={"url": restored_url})}
    )

    result = verify(restored)
    assert result.exit_code == 0, result.output
    assert "2 checkpoint(s) stored" in result.output and "3 blob(s)" in result.output


def dump_sqlite(settings: Settings, target: Path) -> None:
    """SQLite's online backup of the settings' database, as a nightly dump would take it."""
    source = sqlite3.connect(make_url(settings.database.url).database)
    copy = sqlite3.connect(target)
    source.backup(copy)
    source.close()
    copy.close()


def libpq_url(url: str) -> str:
    """The URL as PostgreSQL's own tools take it (no SQLAlchemy driver name)."""
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def test_a_blob_store_newer_than_the_dump_only_counts_orphans(installation):
    installation.backend.store.put(BytesIO(b"filed after the dump was taken"))
    result = verify(installation.settings)
    assert result.exit_code == 0, result.output
    assert "0 missing, 0 corrupt, 1 orphaned" in result.output


def test_a_missing_blob_is_named_with_the_version_that_lost_it(installation):
    installation.backend.remove(installation.shas[1])
    result = verify(installation.settings)
    assert result.exit_code == 1
    assert f"PROBLEM missing blob {installation.shas[1]}: document 2 version 1 (d1.pdf)" in (
        result.output
    )
    assert "1 missing, 0 corrupt" in result.output
    assert "NOT CONSISTENT: 1 problem(s)" in result.output


def test_a_corrupt_blob_is_named(installation):
    installation.backend.damage(installation.shas[0])
    result = verify(installation.settings)
    assert result.exit_code == 1
    assert f"PROBLEM corrupt blob {installation.shas[0]}: document 1 version 1" in result.output


@ON_EACH_DATABASE
def test_an_audit_row_edited_in_the_dump_is_found(installation):
    with installation.runtime.unit_of_work() as uow:
        tamper(
            uow.session,
            "UPDATE audit_events SET actor = 'someone' WHERE stream = 'lifecycle' AND seq = 2",
        )
    result = verify(installation.settings)
    assert result.exit_code == 1
    assert "PROBLEM audit: BROKEN at event 2 (altered)" in result.output
    assert "lifecycle journal: event 2 does not match its hash" in result.output
    assert "0 missing, 0 corrupt" in result.output  # the other checks still ran


@ON_EACH_DATABASE
def test_another_installations_key_is_found(installation):
    key_file = installation.settings.audit.key_file
    key_file.unlink()
    public_key_file(key_file).unlink()
    generate_key(key_file)
    result = verify(installation.settings)
    assert result.exit_code == 1
    assert "(bad signature)" in result.output
    assert "is not signed by key" in result.output
    assert "is [audit] key_file this installation's key?" in result.output


@ON_EACH_DATABASE
def test_a_private_key_that_is_not_the_public_keys_is_found(installation):
    key_file = installation.settings.audit.key_file
    other = key_file.with_name("other.key")
    generate_key(other)
    shutil.copyfile(other, key_file)
    result = verify(installation.settings)
    assert result.exit_code == 1
    assert f"PROBLEM audit key: the private key {key_file}" in result.output
    assert "restore both files from the same backup" in result.output
    # The checkpoints themselves still hold with the public key beside it.
    assert "audit: OK:" in result.output


def leave_out(key_file: Path) -> None:
    key_file.unlink()


def cut_short(key_file: Path) -> None:
    key_file.write_bytes(key_file.read_bytes()[:40])  # as a bad copy leaves it


@ON_EACH_DATABASE
@pytest.mark.parametrize(
    ("damage", "expected"),
    [
        (
            leave_out,
            "PROBLEM audit key: the private key {key} was not restored: the 2 checkpoints cannot be checked",
        ),
        (
            cut_short,
            "audit: not checked, the key cannot be read (below)\n"
            "PROBLEM audit key: {key} cannot be read as an Ed25519 key",
        ),
    ],
    ids=["left out", "cut short"],
)
def test_a_key_missing_from_the_restore_is_found(installation, damage, expected):
    key_file = installation.settings.audit.key_file
    public_key_file(key_file).unlink()
    damage(key_file)
    result = verify(installation.settings)
    assert result.exit_code == 1
    assert expected.format(key=key_file) in result.output


@ON_EACH_DATABASE
def test_a_dump_of_an_older_schema_asks_for_the_upgrade_first(installation):
    script = ScriptDirectory(str(SCRIPT_LOCATION))
    previous = script.get_revision(script.get_current_head()).down_revision
    command.stamp(alembic_config(installation.settings.database.url), previous)
    result = verify(installation.settings)
    assert result.exit_code == 1
    assert f"PROBLEM schema: the database is at {previous}" in result.output
    assert "run `ged db upgrade`, then verify again" in result.output


def test_an_empty_database_is_no_restored_copy(make_settings):
    result = verify(make_settings())  # its SQLite file is not even created yet
    assert result.exit_code == 1
    assert "at no revision (not a ged database, or never migrated)" in result.output


@ON_EACH_DATABASE
def test_an_audit_bundle_exported_since_is_held_by_the_database(installation, tmp_path):
    bundle = tmp_path / "audit.zip"
    assert ged(installation.settings, "audit", "export", "--bundle", str(bundle)).exit_code == 0
    result = verify(installation.settings, "--bundle", str(bundle))
    assert result.exit_code == 0, result.output
    # The lifecycle journal's checkpoint and last event, the access log's last event.
    assert "bundle audit.zip: the database holds the 3 events" in result.output


@pytest.mark.parametrize("installation", [("sqlite", "local")], indirect=True, ids="-".join)
def test_a_dump_older_than_an_audit_bundle_is_found(installation, tmp_path):
    dump = tmp_path / "nightly.sqlite3"
    dump_sqlite(installation.settings, dump)
    installation.file("filed after the dump.pdf")
    with installation.runtime.unit_of_work() as uow:
        seal_checkpoint(uow.session, installation.settings)
    bundle = tmp_path / "audit.zip"
    assert ged(installation.settings, "audit", "export", "--bundle", str(bundle)).exit_code == 0
    restored = installation.settings.model_copy(
        update={
            "database": installation.settings.database.model_copy(
                update={"url": f"sqlite:///{dump}"}
            )
        }
    )

    result = verify(restored, "--bundle", str(bundle))
    assert result.exit_code == 1
    assert (
        "PROBLEM bundle: the database is older than audit.zip: its lifecycle journal ends at "
        "event 3, the bundle vouches for event 4 (the checkpoint sealed at"
    ) in result.output
    assert "the events after 3 are lost unless a later dump is restored" in result.output
    assert "its access log ends at event 0, the bundle vouches for event 1 (its last event)" in (
        result.output
    )
    assert "audit: OK:" in result.output  # the dump is intact in itself: only the bundle tells
    assert "1 orphaned" in result.output  # the document filed after the dump


@ON_EACH_DATABASE
def test_a_bundle_that_does_not_verify_is_named(installation, tmp_path):
    bundle = tmp_path / "audit.zip"
    assert ged(installation.settings, "audit", "export", "--bundle", str(bundle)).exit_code == 0
    key_file = installation.settings.audit.key_file
    other = key_file.with_name("other.key")
    generate_key(other)
    shutil.copyfile(public_key_file(other), public_key_file(key_file))
    result = verify(installation.settings, "--bundle", str(bundle))
    assert result.exit_code == 1
    assert "PROBLEM bundle audit.zip does not verify:" in result.output


@pytest.mark.parametrize("installation", [("postgresql", "local")], indirect=True, ids="-".join)
def test_a_dump_rewritten_since_a_bundle_is_found(installation, tmp_path):
    bundle = tmp_path / "audit.zip"
    assert ged(installation.settings, "audit", "export", "--bundle", str(bundle)).exit_code == 0
    with installation.runtime.unit_of_work() as uow:
        tamper(uow.session, "UPDATE audit_events SET hash = repeat('0', 64) WHERE seq = 2")
    result = verify(installation.settings, "--bundle", str(bundle))
    assert result.exit_code == 1
    assert (
        "PROBLEM bundle: lifecycle journal event 2 is not the one audit.zip vouches for "
        "(the checkpoint sealed at"
    ) in result.output
