"""Apply and check Alembic migrations from code (``ged db upgrade``, tests)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection

import migrations

SCRIPT_LOCATION = Path(migrations.__file__).parent


def alembic_config(database_url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(SCRIPT_LOCATION))
    # Passed as an attribute, not an ini option, so a '%' in a password needs no escaping.
    config.attributes["database_url"] = database_url
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    command.upgrade(alembic_config(database_url), revision)


def check(database_url: str) -> None:
    """Raise if the models and the migrations disagree (a migration is missing)."""
    command.check(alembic_config(database_url))


def revisions(connection: Connection) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The revisions the database is at, and the heads of the migrations this release has."""
    current = MigrationContext.configure(connection).get_current_heads()
    heads = ScriptDirectory(str(SCRIPT_LOCATION)).get_heads()
    return tuple(sorted(current)), tuple(sorted(heads))
