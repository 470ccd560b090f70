"""``ged archives journal (--day YYYY-MM-DD | --all-pending) --as NAME [--wait]``: transfer
the sealed journal of a past day (or of every day not transferred yet) to the archives."""

from __future__ import annotations

import sys
from datetime import date, datetime

import click

from ged.access import Principal
from ged.cli.acting import acting_principal, as_option
from ged.cli.invocation import runtime_from, unit_of_work
from ged.errors import Conflict, InvalidInput
from ged.services.journal_transfer import journal_days_to_transfer, propose_journal_transfer
from ged.services.transfer_build import run_transfer
from ged.services.transfers import package_path


@click.command("journal")
@click.option(
    "--day",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="The UTC day whose sealed journal is transferred (YYYY-MM-DD).",
)
@click.option(
    "--all-pending", is_flag=True, help="Every sealed day of the journal not transferred yet."
)
@click.option("--comment", default="", help="The message's Comment, for the archives.")
@click.option("--wait", is_flag=True, help="Build the packages now, here.")
@as_option
@click.pass_context
def journal(
    ctx: click.Context,
    day: datetime | None,
    all_pending: bool,
    comment: str,
    wait: bool,
    acting: str,
) -> None:
    """Transfer the lifecycle journal of a past day: the events its checkpoints seal, with
    their signatures and time-stamps, as a SEDA package (the access log is not archived)."""
    if all_pending == (day is not None):
        raise click.UsageError("give either --day YYYY-MM-DD or --all-pending")
    with unit_of_work(ctx) as uow:
        who = acting_principal(uow, acting)
        days = [day.date()] if day is not None else journal_days_to_transfer(uow.session)
    if not days:
        click.echo("every sealed day of the journal is transferred already")
        return
    refused = 0
    for one in days:
        transfer_id = _propose(ctx, who, one, comment, wait, strict=not all_pending)
        if transfer_id is None:
            refused += 1
        elif wait:
            built = run_transfer(runtime_from(ctx), who, transfer_id)
            if built.status != "ready":
                click.echo(f"the package could not be built: {built.error}", err=True)
                sys.exit(1)
            packages_dir = runtime_from(ctx).settings.archives.packages_dir
            click.echo(package_path(packages_dir, built.message_identifier))
    if not wait:
        click.echo("a worker builds the package(s): follow them with `ged archives list`")
    if refused:
        sys.exit(1)


def _propose(
    ctx: click.Context, who: Principal, day: date, comment: str, wait: bool, *, strict: bool
) -> int | None:
    """The transfer proposed for ``day``; with ``strict`` (one day asked for) a refusal is
    the command's error, else it is told and the other days go on."""
    try:
        with unit_of_work(ctx) as uow:
            made = propose_journal_transfer(uow, who, day, comment, enqueue=not wait)
            click.echo(f"transfer {made.id} ({made.message_identifier}): journal of {day}")
            return made.id
    except (InvalidInput, Conflict) as refused:
        if strict:
            raise
        click.echo(f"journal of {day} not transferred: {refused}", err=True)
        return None
