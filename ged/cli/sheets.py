"""``ged sheets print``: separator and cover sheets for the mail room, as a PDF to print."""

from __future__ import annotations

from pathlib import Path

import click

from ged.cli.invocation import unit_of_work
from ged.services.sheets import sheets_pdf


@click.group()
def sheets() -> None:
    """Separator and cover sheets placed between documents of a scanned batch."""


@sheets.command("print")
@click.option("--type", "document_type", help="Document type code the sheet files (cover sheet).")
@click.option("--unit", help="Unit the sheet files into (cover sheet).")
@click.option("--tags", help="Tags the sheet adds, separated by commas.")
@click.option("--ref", "reference", help="External reference of the document that follows.")
@click.option("--copies", default=1, show_default=True, type=click.IntRange(1, 500))
@click.option(
    "-o",
    "--output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The PDF to write.",
)
@click.pass_context
def sheets_print(
    ctx: click.Context,
    document_type: str | None,
    unit: str | None,
    tags: str | None,
    reference: str | None,
    copies: int,
    output: Path,
) -> None:
    """Write an A4 PDF of sheets with patch code T and the QR codes ged reads: a plain
    separator, or with --type/--unit/--tags/--ref a cover sheet that files what follows."""
    with unit_of_work(ctx) as uow:
        content = sheets_pdf(
            uow, document_type, unit, tuple((tags or "").split(",")), reference, copies
        )
    output.write_bytes(content)
    click.echo(f"wrote {copies} sheet(s) to {output}")


COMMANDS = [sheets]
