"""``ged db``: the database schema."""

from __future__ import annotations

import click

from ged.cli.invocation import runtime_from
from ged.db import check_database


@click.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Apply the migrations up to REVISION."""
    from ged.migrate import upgrade

    runtime = runtime_from(ctx)
    # Alembic's own error for a database that does not answer is a page of traceback.
    check_database(runtime.engine)
    upgrade(runtime.settings.database.url, revision)
    click.echo(f"database is at revision {revision}", err=True)


COMMANDS = (db,)
