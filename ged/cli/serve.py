"""Running ged: ``ged up`` (everything on one machine), ``ged serve``, ``ged watch``."""

from __future__ import annotations

import sys
from typing import Any

import click

from ged.cli.invocation import runtime_from, settings_from
from ged.config import Settings

#: room for a multipart body's boundaries and fields around the largest file accepted
UPLOAD_MARGIN_MB = 16
#: what nginx sends (deploy/nginx/ged.conf): the client, and how it reached the proxy
TRUSTED_PROXY_HEADERS = {
    "x-forwarded-for",
    "x-forwarded-proto",
    "x-forwarded-host",
    "x-forwarded-port",
}


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
    waitress_serve(app, host=host, port=port, **waitress_options(settings))


def waitress_options(settings: Settings) -> dict[str, Any]:
    """How waitress serves ged: [web] threads; bodies up to [web] max_upload_mb and a
    margin, so that ged answers a larger one itself (413, problem+json) even past
    waitress's own 1 GiB default; X-Forwarded-* believed from [web] trusted_proxy only,
    and removed from every request otherwise (waitress's default)."""
    web = settings.web
    options: dict[str, Any] = {
        "threads": web.threads,
        "ident": "ged",
        "max_request_body_size": (web.max_upload_mb + UPLOAD_MARGIN_MB) * 1024 * 1024,
    }
    if web.trusted_proxy:
        options.update(
            trusted_proxy=web.trusted_proxy,
            trusted_proxy_count=web.trusted_proxy_count,
            trusted_proxy_headers=TRUSTED_PROXY_HEADERS,
        )
    return options


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
