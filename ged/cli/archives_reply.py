"""``ged archives reply FILE.xml [--transfer ID]``: record the archives' answer to a
transfer (an ArchiveTransferReply or an Acknowledgement), as the server's operator."""

from __future__ import annotations

from pathlib import Path

import click

from ged.access import command_line
from ged.cli.invocation import unit_of_work
from ged.services.transfer_replies import record_reply


@click.command("reply")
@click.argument("path", metavar="FILE.xml", type=click.Path(exists=True, dir_okay=False))
@click.option(
    "--transfer",
    "transfer_id",
    type=click.IntRange(min=1),
    help="The transfer it answers (default: the one its MessageRequestIdentifier names).",
)
@click.pass_context
def reply(ctx: click.Context, path: str, transfer_id: int | None) -> None:
    """Record the archives' reply (or acknowledgement) to a transfer."""
    xml = Path(path).read_bytes()
    with unit_of_work(ctx) as uow:
        recorded = record_reply(uow, command_line(), xml, transfer_id)
        transfer = recorded.transfer
        if recorded.kind == "acknowledgement":
            click.echo(
                f"transfer {transfer.id} ({transfer.message_identifier}): acknowledgement "
                f"recorded; still {transfer.status}, waiting for the archives' reply"
            )
            return
        items = transfer.items
        if transfer.status == "accepted":
            click.echo(
                f"transfer {transfer.id} ({transfer.message_identifier}) accepted "
                f"({transfer.reply_code}): {len(items)} document(s) transferred"
            )
            for item in items:
                click.echo(f"{item.document_id}\t{item.archival_identifier}")
        else:
            click.echo(
                f"transfer {transfer.id} ({transfer.message_identifier}) rejected "
                f"({transfer.reply_code}): {len(items)} document(s) back to the queue "
                f"à verser\nreason: {transfer.reply_comment}"
            )
