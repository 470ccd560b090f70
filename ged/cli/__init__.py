"""The ``ged`` command line: the root group; one module per group of commands.

Commands parse their options, call one service as ``ged.access.command_line()`` and
print what it returns. Commands of other packages (``ged worker``, from workers, which
ged never imports) are found through the ``ged.commands`` entry points.
"""

from __future__ import annotations

from importlib.metadata import EntryPoint, entry_points

import click
from sqlalchemy.exc import SQLAlchemyError

from ged.cli import (
    archives,
    audit,
    backup,
    database,
    disposal,
    lifecycle,
    maintenance,
    serve,
    sheets,
    users,
)
from ged.cli.invocation import runtime_from, settings_from, unit_of_work
from ged.errors import GedError

__all__ = ["cli", "main", "runtime_from", "settings_from", "unit_of_work"]

COMMAND_GROUP = "ged.commands"


class GedGroup(click.Group):
    """Turns ged's own errors into one line on stderr and exit status 1, never a traceback;
    adds the commands other packages register."""

    def invoke(self, ctx: click.Context):
        try:
            return super().invoke(ctx)
        except GedError as exc:
            raise click.ClickException(str(exc)) from None
        except SQLAlchemyError as exc:
            first = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
            raise click.ClickException(f"database error: {first}") from None

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *_registered()})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in _registered():
            # Loaded only when named (or listed by --help): ``ged fsck`` imports no RQ.
            command = _registered()[cmd_name].load()
        return command


def _registered() -> dict[str, EntryPoint]:
    return {point.name: point for point in entry_points(group=COMMAND_GROUP)}


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


for _module in (
    serve,
    database,
    users,
    maintenance,
    audit,
    backup,
    disposal,
    lifecycle,
    archives,
    sheets,
):
    for _command in _module.COMMANDS:
        cli.add_command(_command)


def main() -> None:
    cli(prog_name="ged")
