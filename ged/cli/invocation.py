"""What every ``ged`` command gets from the root of its invocation: the settings, and one
runtime (engine, adapters) built on first use and closed when the command ends.

Commands act as ``ged.access.command_line()``: whoever runs ``ged`` on the server.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click

from ged.bootstrap import Runtime, build
from ged.config import Settings, load_settings
from ged.uow import UnitOfWork


def settings_from(ctx: click.Context) -> Settings:
    root = ctx.find_root()
    if "settings" not in root.obj:
        root.obj["settings"] = load_settings(root.obj["config_path"])
    return root.obj["settings"]


def runtime_from(ctx: click.Context) -> Runtime:
    """The command's runtime: built once, closed with the root context (the command's end)."""
    root = ctx.find_root()
    if "runtime" not in root.obj:
        root.obj["runtime"] = root.with_resource(_running(settings_from(ctx)))
    return root.obj["runtime"]


def unit_of_work(ctx: click.Context) -> UnitOfWork:
    return runtime_from(ctx).unit_of_work()


@contextmanager
def _running(settings: Settings) -> Iterator[Runtime]:
    runtime = build(settings)
    try:
        yield runtime
    finally:
        runtime.close()
