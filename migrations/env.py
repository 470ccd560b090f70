"""Alembic environment: the database URL comes from ged's settings unless the caller gives one."""

from __future__ import annotations

from alembic import context

import ged.models  # noqa: F401  (registers every table on Base.metadata)
from ged.config import DatabaseSettings, load_settings
from ged.db import Base, make_engine

config = context.config


def database_settings() -> DatabaseSettings:
    url = config.attributes.get("database_url") or config.get_main_option("sqlalchemy.url")
    return DatabaseSettings(url=url) if url else load_settings().database


def run_migrations_offline() -> None:
    context.configure(
        url=database_settings().url,
        target_metadata=Base.metadata,
        literal_binds=True,
        render_as_batch=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = make_engine(database_settings())
    try:
        with engine.connect() as connection:
            context.configure(
                connection=connection,
                target_metadata=Base.metadata,
                # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
                render_as_batch=True,
                compare_type=True,
            )
            with context.begin_transaction():
                context.run_migrations()
    finally:
        engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
