"""Migrations build the schema from empty on SQLite and PostgreSQL, and match the models."""

from sqlalchemy import inspect

import ged.models  # noqa: F401
from ged.config import DatabaseSettings
from ged.db import Base, make_engine
from ged.migrate import check, upgrade


def test_migrations_apply_from_empty_and_match_the_models(empty_database_url):
    upgrade(empty_database_url)

    engine = make_engine(DatabaseSettings(url=empty_database_url))
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables
    check(empty_database_url)  # raises if a model change has no migration


def test_upgrade_is_idempotent(empty_database_url):
    upgrade(empty_database_url)
    upgrade(empty_database_url)
