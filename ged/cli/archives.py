"""``ged archives``: transfers to the archives (versements) as SEDA 2.2 packages.

``transfer`` proposes one (an act of a named archivist: ``--as NAME``); with ``--wait``
it builds the package here, with a progress bar, and prints its path; without, a worker
builds it. ``list`` shows the transfers, ``check`` runs the pre-flight check on a package
(one built here, or one received back) before it is deposited with the archives, and
``reply`` (ged.cli.archives_reply) records the archives' answer; ``journal``
(ged.cli.archives_journal) transfers the sealed lifecycle journal of past days.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ged.access import command_line
from ged.cli.acting import acting_principal, as_option
from ged.cli.archives_journal import journal
from ged.cli.archives_reply import reply
from ged.cli.invocation import runtime_from, unit_of_work
from ged.cli.maintenance import progress_bar
from ged.models import TRANSFER_STATUSES
from ged.services import transfers
from ged.services.paging import Page
from ged.services.transfer_build import run_transfer
from seda.check import check_package


@click.group()
def archives() -> None:
    """Transfers to the archives (versements): SEDA 2.2 packages."""


@archives.command("transfer")
@click.option("--title", required=True, help="The transfer's title, e.g. 'Délibérations 2010'.")
@click.option("--comment", default="", help="The message's Comment, for the archives.")
@click.option("--all-due", is_flag=True, help='Every document of the "à verser" queue.')
@click.option("--document", "documents", multiple=True, type=int, metavar="ID", help="Repeatable.")
@click.option("--versions", type=click.Choice(["current", "all"]), help="Default: [archives].")
@click.option("--pdfa/--no-pdfa", default=None, help="Carry PDF/A renditions. Default: [archives].")
@click.option("--wait", is_flag=True, help="Build the package now, here, with a progress bar.")
@as_option
@click.pass_context
def transfer(
    ctx: click.Context,
    title: str,
    comment: str,
    all_due: bool,
    documents: tuple[int, ...],
    versions: str | None,
    pdfa: bool | None,
    wait: bool,
    acting: str,
) -> None:
    """Propose a transfer of documents due for it, and (with --wait) build its package."""
    if all_due == bool(documents):
        raise click.UsageError("give either --all-due or one --document ID or more")
    selection = {"queue": "transfer"} if all_due else {"ids": list(documents)}
    request = transfers.TransferRequest(
        title=title, selection=selection, comment=comment, versions=versions, pdfa=pdfa
    )
    with unit_of_work(ctx) as uow:
        who = acting_principal(uow, acting)
        made = transfers.propose_transfer(uow, who, request, enqueue=not wait)
        transfer_id, message, count = made.id, made.message_identifier, len(made.items)
    click.echo(f"transfer {transfer_id} ({message}): {count} document(s)")
    if not wait:
        click.echo("a worker builds its package: follow it with `ged archives list`")
        return
    with progress_bar(desc="package", unit="file", file=sys.stderr) as progress:
        built = run_transfer(runtime_from(ctx), who, transfer_id, progress)
    if built.status != "ready":
        click.echo(f"the package could not be built: {built.error}", err=True)
        sys.exit(1)
    settings = runtime_from(ctx).settings.archives
    click.echo(transfers.package_path(settings.packages_dir, built.message_identifier))


@archives.command("list")
@click.option("--status", type=click.Choice(TRANSFER_STATUSES))
@click.option("--page", default=1, show_default=True, type=click.IntRange(min=1))
@click.option("--size", default=50, show_default=True, type=click.IntRange(1, 100))
@click.pass_context
def list_transfers(ctx: click.Context, status: str | None, page: int, size: int) -> None:
    """The transfers, newest first: id, message, status, progress, documents, title."""
    with unit_of_work(ctx) as uow:
        found = transfers.list_transfers(uow, command_line(), status, Page(page, size))
        for item in found.items:
            progress = f"{item.progress_done}/{item.progress_total or '?'}"
            click.echo(
                f"{item.id}\t{item.message_identifier}\t{item.status}\t{progress}\t"
                f"{len(item.items)}\t{item.title}"
            )
        click.echo(f"{found.total} transfer(s)", err=True)


@archives.command("check")
@click.argument("package", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def check(package: Path) -> None:
    """Pre-flight check of a package: schema, every file's presence, size and SHA-512.
    Exit status 0 when it is sound, 1 with the problems listed."""
    problems = check_package(package)
    for problem in problems:
        click.echo(problem, err=True)
    if problems:
        sys.exit(1)
    click.echo(f"{package}: sound (SEDA 2.2 valid, every file present and as described)")


archives.add_command(reply)
archives.add_command(journal)

COMMANDS = [archives]
