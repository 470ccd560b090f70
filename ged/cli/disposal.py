"""``ged disposal``: the queues of documents due, disposal lists and their visa, their
execution and certificates.

Proposing, submitting and deciding are acts of named people: those commands take
``--as NAME`` (the account acting, recorded in the audit trail as such), and the visa
is refused to the list's proposer as it is through the API. ``execute`` runs an
approved list at once in this process (the workers run it on their own after the visa).
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ged.access import command_line
from ged.cli.acting import acting_principal, as_option
from ged.cli.invocation import runtime_from, unit_of_work
from ged.services import certificates, destruction, disposal_queues
from ged.services import disposal as service
from ged.services.disposal_queues import QUEUE_NAMES
from ged.services.paging import Page

_LABELS = {
    "destroy": "à éliminer",
    "transfer": "à verser",
    "sort": "à trier",
    "transferred": "versés, à éliminer de ged",
}


@click.group()
def disposal() -> None:
    """Disposal (élimination): queues, lists, visa, destruction, certificates."""


@disposal.command("queue")
@click.option(
    "--queue", "action", type=click.Choice(QUEUE_NAMES), help="List this queue's documents."
)
@click.option("--page", default=1, show_default=True, type=click.IntRange(min=1))
@click.option("--size", default=50, show_default=True, type=click.IntRange(1, 100))
@click.pass_context
def queue(ctx: click.Context, action: str | None, page: int, size: int) -> None:
    """Count the documents due in each queue, or list one queue's."""
    with unit_of_work(ctx) as uow:
        if action is None:
            for name, count in disposal_queues.queues(uow, command_line()).items():
                click.echo(f"{name}\t{count.due}\t{count.held} held\t({_LABELS[name]})")
            return
        found = disposal_queues.queue_page(uow, command_line(), action, Page(page, size))
        for entry in found.items:
            doc = entry.document
            flags = "held" if entry.held else (f"list {entry.list_id}" if entry.list_id else "")
            click.echo(f"{doc.id}\t{doc.due_date}\t{entry.rule.reference}\t{doc.title}\t{flags}")
        click.echo(f"{found.total} document(s) {_LABELS[action]}", err=True)


@disposal.command("propose")
@as_option
@click.option("--title", required=True, help="The list's title.")
@click.option("--comment", default="", help="A note to the archives authority.")
@click.option("--ids", help="Comma-separated document ids.")
@click.option("--from-queue", is_flag=True, help='Take the whole "destroy" queue (not held).')
@click.option("--submit", is_flag=True, help="Submit the list for its visa at once.")
@click.pass_context
def propose(
    ctx: click.Context,
    acting: str,
    title: str,
    comment: str,
    ids: str | None,
    from_queue: bool,
    submit: bool,
) -> None:
    """Build a disposal list (bordereau d'élimination)."""
    if bool(ids) == from_queue:
        raise click.UsageError("give either --ids or --from-queue")
    try:
        selection = {"queue": "destroy"} if from_queue else {"ids": _ids(ids or "")}
    except ValueError:
        raise click.BadParameter(
            "ids are numbers separated by commas", param_hint="--ids"
        ) from None
    with unit_of_work(ctx) as uow:
        made = service.create_list(uow, acting_principal(uow, acting), title, comment, selection)
        click.echo(f"disposal list {made.id}: {len(made.items)} document(s), draft")
        if submit:
            service.submit_list(uow, acting_principal(uow, acting), made.id)
            click.echo(f"disposal list {made.id} submitted for its visa")


def _ids(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


@disposal.command("submit")
@click.argument("list_id", type=int)
@as_option
@click.pass_context
def submit(ctx: click.Context, list_id: int, acting: str) -> None:
    """Submit a draft list to the archives authority."""
    with unit_of_work(ctx) as uow:
        service.submit_list(uow, acting_principal(uow, acting), list_id)
    click.echo(f"disposal list {list_id} submitted for its visa")


@disposal.command("approve")
@click.argument("list_id", type=int)
@as_option
@click.option("--comment", default="", help="The visa's comment.")
@click.pass_context
def approve(ctx: click.Context, list_id: int, acting: str, comment: str) -> None:
    """Give the visa (archives authority, never the proposer): the workers destroy the list."""
    with unit_of_work(ctx) as uow:
        service.approve_list(uow, acting_principal(uow, acting), list_id, comment)
    click.echo(f"disposal list {list_id} approved; its documents will be destroyed")


@disposal.command("refuse")
@click.argument("list_id", type=int)
@as_option
@click.option("--comment", required=True, help="Why the visa is refused.")
@click.pass_context
def refuse(ctx: click.Context, list_id: int, acting: str, comment: str) -> None:
    """Refuse the visa, saying why."""
    with unit_of_work(ctx) as uow:
        service.refuse_list(uow, acting_principal(uow, acting), list_id, comment)
    click.echo(f"disposal list {list_id} refused")


@disposal.command("execute")
@click.argument("list_id", type=int)
@click.pass_context
def execute(ctx: click.Context, list_id: int) -> None:
    """Destroy an approved list's documents now (or finish an interrupted execution)."""
    done = destruction.run_list(runtime_from(ctx), command_line(), list_id)
    outcomes = [item.outcome for item in done.items]
    click.echo(
        f"disposal list {list_id} executed: {outcomes.count('destroyed')} destroyed, "
        f"{outcomes.count('skipped')} skipped"
    )


@disposal.command("certificate")
@click.argument("list_id", type=int)
@click.option("--format", "fmt", type=click.Choice(sorted(certificates.FORMATS)), default="json")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here (default: standard output).",
)
@click.pass_context
def certificate(ctx: click.Context, list_id: int, fmt: str, output: Path | None) -> None:
    """Write an executed list's certificate (json is the signed original)."""
    with unit_of_work(ctx) as uow:
        stream, name, _mime = certificates.certificate_file(uow, command_line(), list_id, fmt)
        with stream:
            data = stream.read()
    if output is None:
        sys.stdout.buffer.write(data)
    else:
        output.write_bytes(data)
        click.echo(f"{name} written to {output}", err=True)


COMMANDS = (disposal,)
