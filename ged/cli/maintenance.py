"""Operators' commands on the stored data: ``ged fsck``, ``ged storage migrate``,
``ged reindex``, ``ged reconcile``, ``ged classifier train``. The services do the work and record it; these print it."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import click
from tqdm import tqdm

from ged.access import command_line
from ged.cli.invocation import settings_from, unit_of_work
from ged.services import classifier as classifier_service
from ged.services.maintenance import check_blobs, fsck_status
from ged.services.maintenance import reconcile as reconcile_work
from ged.services.storage_migration import migrate_blobs
from ged.storage import make_blob_store
from ged.storage_settings import StorageSettings


@contextmanager
def progress_bar(**options) -> Iterator[Callable[[int, int | None], None]]:
    """A tqdm bar fed by a service's ``progress(done, total)`` callback."""
    with tqdm(**options) as bar:

        def progress(done: int, total: int | None) -> None:
            bar.total = total
            bar.update(done - bar.n)

        yield progress


@click.command()
@click.pass_context
def fsck(ctx: click.Context) -> None:
    """Re-hash every blob; report missing, corrupt and orphaned ones.

    Exit status: 0 all good, 1 missing or corrupt blobs, 2 only orphans
    (stored bytes no version refers to, e.g. after an interrupted upload).
    """
    with (
        unit_of_work(ctx) as uow,
        progress_bar(total=0, unit="B", unit_scale=True, desc="fsck", leave=False) as progress,
    ):
        report = check_blobs(uow, command_line(), progress)
    for label, shas in (
        ("missing", report.missing),
        ("corrupt", report.corrupt),
        ("orphaned", report.orphaned),
    ):
        for sha256 in shas:
            click.echo(f"{label} {sha256}")
    click.echo(
        f"{report.checked} blob(s), {report.bytes_checked} bytes re-hashed: "
        f"{len(report.missing)} missing, {len(report.corrupt)} corrupt, "
        f"{len(report.orphaned)} orphaned",
        err=True,
    )
    sys.exit(fsck_status(report))


@click.group()
def storage() -> None:
    """The blob store."""


@storage.command("migrate")
@click.option("--to", "backend", type=click.Choice(["s3"]), required=True)
@click.pass_context
def storage_migrate(ctx: click.Context, backend: str) -> None:
    """Copy the local blob store ([storage] path) into the bucket of the [storage] S3 keys,
    checking every digest; run it again after an interruption, it goes on where it stopped.
    Then set backend = "s3".

    Exit status: 0 every blob copied, 1 some local blobs are corrupt (not copied: see fsck).
    """
    configured = settings_from(ctx).storage
    keys = configured.model_dump(exclude={"backend"})
    try:
        target = make_blob_store(StorageSettings(**keys, backend=backend))
    except ValueError as exc:
        raise click.UsageError(f"[storage]: {exc}") from None
    source = make_blob_store(StorageSettings(**keys, backend="local"))
    with (
        unit_of_work(ctx) as uow,
        progress_bar(total=0, unit="blob", desc="migrate") as progress,
    ):
        result = migrate_blobs(uow, command_line(), source, target, progress)
    for sha256 in result.corrupt:
        click.echo(f"corrupt {sha256}")
    click.echo(
        f"{result.copied} blob(s) copied ({result.bytes_copied} bytes), "
        f"{result.present} already there, {len(result.corrupt)} corrupt",
        err=True,
    )
    sys.exit(result.exit_status)


@click.command()
@click.pass_context
def reindex(ctx: click.Context) -> None:
    """Rebuild the search index from the database (no OCR), then swap it in without downtime."""
    from ged.services.index_sync import rebuild_index  # the only command that needs it

    with unit_of_work(ctx) as uow, progress_bar(unit="doc", desc="reindex") as progress:
        result = rebuild_index(uow, command_line(), progress)
    click.echo(f"{result['indexed']} document(s) indexed into {result['index']}", err=True)


@click.command()
@click.pass_context
def reconcile(ctx: click.Context) -> None:
    """Queue again what is not done (after a Redis loss): unfinished pipelines, stale index
    entries, webhook deliveries due, scanned batches not split to their end."""
    with unit_of_work(ctx) as uow:
        done = reconcile_work(uow, command_line())
    click.echo(f"{done.versions} unfinished version(s) queued", err=True)
    click.echo(f"{done.index_entries} stale index entr(ies) queued for a refresh", err=True)
    click.echo(f"{done.deliveries} webhook deliver(ies) queued", err=True)
    click.echo(f"{done.batches} scanned batch(es) queued for their split", err=True)


@click.group()
def classifier() -> None:
    """The statistical document classifier."""


@classifier.command("train")
@click.pass_context
def classifier_train(ctx: click.Context) -> None:
    """Train on the documents whose type an agent confirmed or corrected; workers pick it up."""
    with unit_of_work(ctx) as uow:
        counts = classifier_service.train(uow, command_line())
    summary = ", ".join(f"{code}: {count}" for code, count in sorted(counts.items()))
    click.echo(
        f"model trained on {sum(counts.values())} document(s) ({summary}), "
        f"saved to {settings_from(ctx).classification.model_path}",
        err=True,
    )


@click.command()
@click.option("--limit", type=click.IntRange(min=1), help="At most this many versions this run.")
@click.pass_context
def thumbnails(ctx: click.Context, limit: int | None) -> None:
    """Render the missing first-page thumbnails of current versions (documents read before
    the pipeline made them); those it makes from now on need nothing."""
    from ged.services.thumbnails import backfill_thumbnails

    with unit_of_work(ctx) as uow, progress_bar(unit="doc", desc="thumbnails") as progress:
        result = backfill_thumbnails(uow, command_line(), limit, progress)
    click.echo(f"{result.made} thumbnail(s) made, of {result.missing} missing", err=True)


COMMANDS = (fsck, storage, reindex, reconcile, classifier, thumbnails)
