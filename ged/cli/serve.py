"""Running ged: ``ged up`` (everything on one machine), ``ged serve``, ``ged watch``."""

from __future__ import annotations

import sys

import click

from ged.cli.invocation import runtime_from, settings_from


@click.command()
@click.option(
    "--workers", type=click.IntRange(min=1), help="Number of RQ workers (default: [worker] count)."
)
@click.pass_context
def up(ctx: click.Context, workers: int | None) -> None:
    """Run everything for one machine: database migrations, web server and workers, until Ctrl-C."""
    from ged.cli.up import run_everything

    config_path = ctx.find_root().obj["config_path"]
    sys.exit(run_everything(runtime_from(ctx), config_path, workers))


@click.command()
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


@click.command()
@click.pass_context
def watch(ctx: click.Context) -> None:
    """File what scanner stations drop into the watched folders ([[watch.folders]]), until Ctrl-C."""
    from ged.watcher import run_watchers

    sys.exit(run_watchers(runtime_from(ctx)))


@click.command()
@click.pass_context
def mail(ctx: click.Context) -> None:
    """File what arrives in the functional mailboxes ([[mail.accounts]]), until Ctrl-C."""
    from ged.mail import run_mailboxes

    sys.exit(run_mailboxes(runtime_from(ctx)))


COMMANDS = (up, serve, watch, mail)
