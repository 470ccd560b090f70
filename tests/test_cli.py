"""The ged command line: help, one-line errors, real work against a real database."""

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from ged.cli import cli
from ged.config import load_settings
from ged.db import make_engine, make_session_factory
from ged.models import User
from ged.passwords import verify_password
from ged.timeutil import aware
from tests.migrated import migrate


def run_installed(
    *args: str, env: dict[str, str] | None = None, stdin: str = ""
) -> subprocess.CompletedProcess:
    """Run the installed console script as a user would, in a clean environment."""
    base = {key: value for key, value in os.environ.items() if not key.startswith("GED_")}
    return subprocess.run(
        [sys.executable, "-m", "ged", *args],
        env={**base, **(env or {})},
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@dataclass(frozen=True)
class Ran:
    returncode: int
    stdout: str
    stderr: str


def run_ged(*args: str, env: dict[str, str] | None = None, stdin: str = "") -> Ran:
    """Run a command in this process (seconds faster than the console script, which the
    tests of start-up errors run); a crash is raised, never taken for a refusal."""
    result = CliRunner().invoke(cli, list(args), env=env, input=stdin, prog_name="ged")
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(result.exit_code, result.stdout, result.stderr)


def test_help_lists_the_commands():
    result = run_installed("--help")
    assert result.returncode == 0
    for command in ("up", "serve", "worker", "db", "user"):
        assert f"  {command} " in result.stdout


def test_bad_configuration_key_gives_one_line_naming_it():
    result = run_installed("db", "upgrade", env={"GED_WEB__PROT": "80"})
    assert result.returncode == 1
    assert (
        result.stderr.strip()
        == "Error: invalid configuration: unknown key web.prot (from GED_WEB__PROT)"
    )
    assert "Traceback" not in result.stderr


def test_unreachable_database_gives_one_line_naming_it():
    result = run_installed(
        "db", "upgrade", env={"GED_DATABASE__URL": "postgresql://ged:ged@127.0.0.1:9/ged"}
    )
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert result.stderr.startswith("Error: database is unavailable:")


def test_unreachable_redis_stops_the_worker_with_one_line():
    result = run_ged("worker", "--burst", env={"GED_REDIS__URL": "redis://127.0.0.1:9/0"})
    assert result.returncode == 1
    assert result.stderr.startswith("Error: redis is unavailable: redis://127.0.0.1:9/0")
    assert len(result.stderr.strip().splitlines()) == 1


@pytest.fixture
def migrated_settings(make_settings):
    settings = make_settings()
    migrate(settings.database.url)
    return settings


def environment_of(settings) -> dict[str, str]:
    return {"GED_DATABASE__URL": settings.database.url}


def test_user_create_stores_an_argon2_hash(migrated_settings):
    result = run_ged(
        "user",
        "create",
        "claire",
        "--role",
        "archivist",
        "--password-stdin",
        env=environment_of(migrated_settings),
        stdin="un mot de passe solide\n",
    )
    assert result.returncode == 0, result.stderr
    engine = make_engine(migrated_settings.database)
    with make_session_factory(engine)() as session:
        user = session.scalars(select(User).where(User.username == "claire")).one()
    engine.dispose()
    assert user.role == "archivist"
    assert user.password_hash.startswith("$argon2id$")
    assert verify_password(user.password_hash, "un mot de passe solide")
    assert not verify_password(user.password_hash, "un autre")


def test_user_create_refuses_a_duplicate_and_a_short_password(migrated_settings):
    env = environment_of(migrated_settings)
    args = ("user", "create", "marc", "--role", "agent", "--password-stdin")
    assert run_ged(*args, env=env, stdin="assez long pour passer\n").returncode == 0
    duplicate = run_ged(*args, env=env, stdin="assez long pour passer\n")
    assert duplicate.returncode == 1
    assert "already exists" in duplicate.stderr
    short = run_ged(
        "user", "create", "lea", "--role", "agent", "--password-stdin", env=env, stdin="court\n"
    )
    assert short.returncode == 1
    assert "at least 12 characters" in short.stderr


def test_station_accounts_need_no_password(migrated_settings):
    runner = CliRunner()
    env = environment_of(migrated_settings)
    result = runner.invoke(cli, ["user", "create", "scanner-accueil", "--role", "station"], env=env)
    assert result.exit_code == 0, result.output
    settings = load_settings(None, environ=env)
    engine = make_engine(settings.database)
    with make_session_factory(engine)() as session:
        station = session.scalars(select(User).where(User.username == "scanner-accueil")).one()
    engine.dispose()
    assert station.password_hash is None


def test_directory_and_token_commands(migrated_settings):
    env = environment_of(migrated_settings)
    assert run_ged("group", "create", "etat-civil", env=env).returncode == 0
    assert run_ged("unit", "create", "Service  État civil", env=env).returncode == 0
    created = run_ged(
        "user",
        "create",
        "nadia",
        "--role",
        "agent",
        "--group",
        "etat-civil",
        "--password-stdin",
        env=env,
        stdin="un mot de passe solide\n",
    )
    assert created.returncode == 0, created.stderr
    unknown_group = run_ged(
        "user", "create", "x", "--role", "station", "--group", "absent", env=env
    )
    assert unknown_group.returncode == 1
    assert "unknown group(s): absent" in unknown_group.stderr

    issued = run_ged("token", "create", "nadia", "--name", "script d'import", env=env)
    assert issued.returncode == 0, issued.stderr
    token = issued.stdout.strip()
    assert token.startswith("ged_") and len(token) > 40
    assert "will not be shown again" in issued.stderr

    engine = make_engine(migrated_settings.database)
    with make_session_factory(engine)() as session:
        from ged.models import ApiToken, Unit

        user = session.scalars(select(User).where(User.username == "nadia")).one()
        assert [group.name for group in user.groups] == ["etat-civil"]
        assert session.scalars(select(Unit.name)).all() == ["Service État civil"]
        stored = session.scalars(select(ApiToken)).one()
        assert token not in stored.token_hash and len(stored.token_hash) == 64
    engine.dispose()
    assert run_ged("token", "revoke", str(stored.id), env=env).returncode == 0
    assert run_ged("token", "create", "personne", env=env).returncode == 1

    scoped = ("token", "create", "nadia", "--scope", "upload", "--valid-through")
    assert run_ged(*scoped, "2999-12-31", env=env).returncode == 0
    past = run_ged(*scoped, "2000-01-01", env=env)
    assert past.returncode == 1
    assert "expires_at must be in the future" in past.stderr
    engine = make_engine(migrated_settings.database)
    with make_session_factory(engine)() as session:
        scanner = session.scalars(select(ApiToken).where(ApiToken.scope == "upload")).one()
        assert aware(scanner.expires_at) == datetime(3000, 1, 1, tzinfo=UTC)
    engine.dispose()


def test_user_update_changes_role_groups_and_state(migrated_settings):
    env = environment_of(migrated_settings)
    run_ged("group", "create", "compta", env=env)
    run_ged(
        "user",
        "create",
        "paul",
        "--role",
        "agent",
        "--password-stdin",
        env=env,
        stdin="un mot de passe solide\n",
    )
    result = run_ged(
        "user", "update", "paul", "--role", "archivist", "--group", "compta", "--disable", env=env
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "paul: archivist, disabled, compta"
    again = run_ged("user", "update", "paul", "--enable", "--no-groups", env=env)
    assert again.stdout.strip() == "paul: archivist, active, no group"
    assert run_ged("user", "update", "personne", "--enable", env=env).returncode == 1


def test_user_reset_second_factor_removes_it_for_the_last_administrator(migrated_settings):
    env = environment_of(migrated_settings)
    run_ged(
        "user",
        "create",
        "chef",
        "--role",
        "admin",
        "--password-stdin",
        env=env,
        stdin="un mot de passe solide\n",
    )
    engine = make_engine(migrated_settings.database)
    with make_session_factory(engine)() as session:
        session.scalars(select(User)).one().totp_secret = "A" * 32
        session.commit()
    result = run_ged("user", "reset-second-factor", "chef", env=env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "chef: second factor removed, recovery codes deleted"
    with make_session_factory(engine)() as session:
        assert session.scalars(select(User)).one().totp_secret is None
    engine.dispose()
    assert run_ged("user", "reset-second-factor", "personne", env=env).returncode == 1
