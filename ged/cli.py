"""The ``ged`` command line."""

from __future__ import annotations

import sys

import click
from sqlalchemy.exc import SQLAlchemyError

from ged.config import Settings, load_settings
from ged.db import check_database, make_engine, make_session_factory
from ged.errors import GedError
from ged.models import ROLES


class GedGroup(click.Group):
    """Turns ged's own errors into one line on stderr and exit status 1, never a traceback."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GedError as exc:
            raise click.ClickException(str(exc)) from None
        except SQLAlchemyError as exc:
            first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise click.ClickException(f"database error: {first}") from None


@click.group(cls=GedGroup)
@click.option(
    "--config",
    "config_path",
    envvar="GED_CONFIG",
    type=click.Path(dir_okay=False),
    help="TOML configuration file (default: $GED_CONFIG, else built-in defaults).",
)
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """ged: electronic document management for public administrations."""
    ctx.obj = {"config_path": config_path}


def settings_from(ctx: click.Context) -> Settings:
    root = ctx.find_root()
    if "settings" not in root.obj:
        root.obj["settings"] = load_settings(root.obj["config_path"])
    return root.obj["settings"]


@cli.command()
@click.option(
    "--workers", type=click.IntRange(min=1), help="Number of RQ workers (default: [worker] count)."
)
@click.pass_context
def up(ctx: click.Context, workers: int | None) -> None:
    """Run everything for one machine: database migrations, web server and workers, until Ctrl-C."""
    from ged.up import run_everything

    sys.exit(run_everything(settings_from(ctx), ctx.find_root().obj["config_path"], workers))


@cli.command()
@click.option("--host", help="Address to bind (default: [web] host).")
@click.option("--port", type=click.IntRange(1, 65535), help="Port (default: [web] port).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Run the web server (API and web UI)."""
    from waitress import serve as waitress_serve

    from ged.web import create_app

    settings = settings_from(ctx)
    app = create_app(settings)
    host = host or settings.web.host
    port = port or settings.web.port
    click.echo(f"ged web: http://{host}:{port}/", err=True)
    waitress_serve(app, host=host, port=port, threads=settings.web.threads, ident="ged")


@cli.command()
@click.option("--burst", is_flag=True, help="Process the jobs waiting now, then exit.")
@click.pass_context
def worker(ctx: click.Context, burst: bool) -> None:
    """Run one background worker (OCR, classification, indexing)."""
    from workers.worker import run_worker

    run_worker(settings_from(ctx), burst=burst)


@cli.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Apply the migrations up to REVISION."""
    from ged.migrate import upgrade

    settings = settings_from(ctx)
    engine = make_engine(settings.database)
    try:
        check_database(engine)
    finally:
        engine.dispose()
    upgrade(settings.database.url, revision)
    click.echo(f"database is at revision {revision}", err=True)


@cli.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def user_create(ctx: click.Context, name: str, role: str, password_stdin: bool) -> None:
    """Create the account NAME with ROLE (asks for a password unless it is a station)."""
    from ged.services.users import create_user

    if password_stdin:
        password: str | None = sys.stdin.readline().rstrip("\n")
    elif role == "station":
        password = None
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    engine = make_engine(settings_from(ctx).database)
    try:
        with make_session_factory(engine)() as session:
            created = create_user(session, name, role, password)
            click.echo(f"created {created.role} {created.username} (id {created.id})")
    finally:
        engine.dispose()


def main() -> None:
    cli(prog_name="ged")
