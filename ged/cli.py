"""The ``ged`` command line."""

from __future__ import annotations

import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.metadata import entry_points

import click
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from ged.cli_audit import audit
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
@click.pass_context
def watch(ctx: click.Context) -> None:
    """File what scanner stations drop into the watched folders ([[watch.folders]]), until Ctrl-C."""
    from ged.watching import run_watchers

    sys.exit(run_watchers(settings_from(ctx)))


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


def audit_command(ctx: click.Context, action: str, details: dict) -> None:
    """Administrators' commands leave their trace like web actions do, named after the OS account."""
    from ged.audit.chain import record_access

    with database_session(ctx) as session:
        record_access(session, None, action, actor=f"cli:{getpass.getuser()}", details=details)


@contextmanager
def database_session(ctx: click.Context) -> Iterator[Session]:
    """A session for one command; the engine is disposed when the command ends."""
    engine = make_engine(settings_from(ctx).database)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()


@cli.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option(
    "--group", "groups", multiple=True, help="Make the user a member of this group (repeatable)."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def user_create(
    ctx: click.Context, name: str, role: str, groups: tuple[str, ...], password_stdin: bool
) -> None:
    """Create the account NAME with ROLE (asks for a password unless it is a station)."""
    from ged.services.users import create_user

    if password_stdin:
        password: str | None = sys.stdin.readline().rstrip("\n")
    elif role == "station":
        password = None
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with database_session(ctx) as session:
        created = create_user(session, name, role, password, groups)
        click.echo(f"created {created.role} {created.username} (id {created.id})")


@user.command("update")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), help="New role.")
@click.option("--group", "groups", multiple=True, help="Replace the user's groups (repeatable).")
@click.option("--no-groups", is_flag=True, help="Remove the user from every group.")
@click.option(
    "--enable/--disable", "active", default=None, help="Allow or refuse logins and tokens."
)
@click.pass_context
def user_update(
    ctx: click.Context,
    name: str,
    role: str | None,
    groups: tuple[str, ...],
    no_groups: bool,
    active: bool | None,
) -> None:
    """Change the role, groups or state of the account NAME (accounts are never deleted)."""
    from ged.services.users import update_user

    new_groups = () if no_groups else (groups or None)
    with database_session(ctx) as session:
        updated = update_user(session, name, role=role, is_active=active, groups=new_groups)
        state = "active" if updated.is_active else "disabled"
        names = ", ".join(group.name for group in updated.groups) or "no group"
        click.echo(f"{updated.username}: {updated.role}, {state}, {names}")


@cli.group()
def group() -> None:
    """Groups of users."""


@group.command("create")
@click.argument("name")
@click.pass_context
def group_create(ctx: click.Context, name: str) -> None:
    """Create the group NAME."""
    from ged.services.users import create_group

    with database_session(ctx) as session:
        created = create_group(session, name)
        click.echo(f"created group {created.name} (id {created.id})")


@cli.group()
def unit() -> None:
    """Units (services, departments) that own documents."""


@unit.command("create")
@click.argument("name")
@click.pass_context
def unit_create(ctx: click.Context, name: str) -> None:
    """Create the unit NAME."""
    from ged.services.users import create_unit

    with database_session(ctx) as session:
        created = create_unit(session, name)
        click.echo(f"created unit {created.name} (id {created.id})")


@cli.group()
def token() -> None:
    """API tokens for scripts and scanner stations."""


@token.command("create")
@click.argument("username")
@click.option(
    "--name", "label", default="", help="What the token is for (default: USERNAME's token)."
)
@click.pass_context
def token_create(ctx: click.Context, username: str, label: str) -> None:
    """Print a new API token for USERNAME. It is shown once: store it now."""
    from ged.services.tokens import create_token

    with database_session(ctx) as session:
        created, clear = create_token(session, username, label or f"{username}'s token")
        click.echo(clear)
        click.echo(
            f"token {created.id} ({created.label!r}) created; it will not be shown again", err=True
        )


@token.command("revoke")
@click.argument("token_id", type=int)
@click.pass_context
def token_revoke(ctx: click.Context, token_id: int) -> None:
    """Revoke the token TOKEN_ID at once."""
    from ged.services.tokens import revoke_token

    with database_session(ctx) as session:
        revoked = revoke_token(session, token_id)
        click.echo(f"token {revoked.id} ({revoked.label!r}) revoked", err=True)


@cli.command()
@click.pass_context
def fsck(ctx: click.Context) -> None:
    """Re-hash every blob; report missing, corrupt and orphaned ones.

    Exit status: 0 all good, 1 missing or corrupt blobs, 2 only orphans
    (stored bytes no version refers to, e.g. after an interrupted upload).
    """
    from ged.maintenance import run_fsck

    with database_session(ctx) as session:
        status = run_fsck(session, settings_from(ctx))
    audit_command(ctx, "cli.fsck", {"exit_status": status})
    sys.exit(status)


@cli.group()
def classifier() -> None:
    """The statistical document classifier."""


@classifier.command("train")
@click.pass_context
def classifier_train(ctx: click.Context) -> None:
    """Train on the documents whose type an agent confirmed or corrected; workers pick it up."""
    from ged.services.classifier import train

    path = settings_from(ctx).classification.model_path
    with database_session(ctx) as session:
        counts = train(session, path)
    audit_command(ctx, "cli.classifier.train", {"documents": counts})
    summary = ", ".join(f"{code}: {count}" for code, count in sorted(counts.items()))
    click.echo(
        f"model trained on {sum(counts.values())} document(s) ({summary}), saved to {path}",
        err=True,
    )


@cli.command()
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Rebuild the search index from the database (no OCR), then swap it in without downtime."""
    from tqdm import tqdm

    from workers.reindexing import rebuild_index

    with tqdm(unit="doc", desc="reindex") as bar:

        def progress(done: int, total: int | None) -> None:
            bar.total = total
            bar.update(done - bar.n)

        result = rebuild_index(settings_from(ctx), progress)
    audit_command(ctx, "cli.reindex", result)
    click.echo(f"{result['indexed']} document(s) indexed into {result['index']}", err=True)


@cli.command()
@click.pass_context
def reconcile(ctx: click.Context) -> None:
    """Queue again every version whose pipeline has not finished (after a Redis loss)."""
    from ged.maintenance import requeue_unfinished

    with database_session(ctx) as session:
        count = requeue_unfinished(session, settings_from(ctx))
    audit_command(ctx, "cli.reconcile", {"queued": count})
    click.echo(f"{count} unfinished version(s) queued", err=True)


cli.add_command(audit)
for command in entry_points(group="ged.commands"):
    # Commands of other packages (``ged worker``, from workers): ged never imports them.
    cli.add_command(command.load(), command.name)


def main() -> None:
    cli(prog_name="ged")
