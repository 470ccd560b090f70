"""``ged worker``: registered on ged's command line through the ``ged.commands`` entry point."""

from __future__ import annotations

import click

from ged.cli import settings_from


@click.command()
@click.option("--burst", is_flag=True, help="Process the jobs waiting now, then exit.")
@click.pass_context
def worker(ctx: click.Context, burst: bool) -> None:
    """Run one background worker (OCR, classification, indexing)."""
    from workers.worker import run_worker

    run_worker(settings_from(ctx), burst=burst)
