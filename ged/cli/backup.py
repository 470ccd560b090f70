"""``ged backup verify``: a restored copy checked before it goes into service."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from ged.access import command_line
from ged.cli.invocation import unit_of_work
from ged.cli.maintenance import progress_bar
from ged.services.backups import BackupReport, BundleCheck, verify_backup


@click.group()
def backup() -> None:
    """Backups of the database, the blob store and the audit key (README, "Backup and restore")."""


@backup.command("verify")
@click.option(
    "--bundle",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="An audit bundle exported after the backup was taken (`ged audit export --bundle`, "
    "kept elsewhere): the database must hold every event it vouches for.",
)
@click.pass_context
def backup_verify(ctx: click.Context, bundle: Path | None) -> None:
    """Check the configured database, blob store and audit key as one restored copy: the
    schema is at this release's head, the audit chains and their signed checkpoints hold
    with the restored key, and every blob the database names is there with its digest
    (re-hashed, with a progress bar). Blobs no row names are expected (a store newer than
    the dump) and only counted.

    Exit status: 0 consistent, 1 a problem, each named on its own line.
    """
    with (
        unit_of_work(ctx) as uow,
        progress_bar(total=0, unit="B", unit_scale=True, desc="blobs", leave=False) as progress,
    ):
        report = verify_backup(uow, command_line(), progress, bundle)
    problems = _print(report)
    if problems:
        click.echo(f"NOT CONSISTENT: {problems} problem(s), listed above")
    else:
        click.echo("OK: the database, the blob store and the audit key make one consistent copy")
    sys.exit(1 if problems else 0)


def _print(report: BackupReport) -> int:
    """Print each check's line; return how many problems they found."""
    schema = report.schema
    if not schema.ok:
        at = ", ".join(schema.current) or "no revision (not a ged database, or never migrated)"
        click.echo(
            f"PROBLEM schema: the database is at {at}, this release's head is "
            f"{', '.join(schema.heads)}: run `ged db upgrade`, then verify again "
            "(nothing else was checked)"
        )
        return 1
    click.echo(f"schema: at this release's head ({', '.join(schema.heads)})")
    assert report.key is not None and report.blobs is not None
    problems = 0
    audit = report.audit
    if audit is None:
        click.echo("audit: not checked, the key cannot be read (below)")
    elif audit.ok:
        click.echo(f"audit: OK: {audit.detail}")
    else:
        problems += 1
        where = "" if audit.first_broken_seq is None else f" at event {audit.first_broken_seq}"
        hint = (
            " (is [audit] key_file this installation's key?)"
            if audit.reason == "bad signature"
            else ""
        )
        click.echo(f"PROBLEM audit: BROKEN{where} ({audit.reason}): {audit.detail}{hint}")
    key = report.key
    if key.problem is None:
        named = f"key id {key.key_id}" if key.key_id else "no key (checkpoints are not configured)"
        click.echo(f"audit key: {named}, {key.checkpoints} checkpoint(s) stored")
    else:
        problems += 1
        click.echo(f"PROBLEM audit key: {key.problem}")
    blobs, uses = report.blobs, report.uses or {}
    for label, shas in (("missing", blobs.missing), ("corrupt", blobs.corrupt)):
        for sha256 in shas:
            problems += 1
            click.echo(f"PROBLEM {label} blob {sha256}: {'; '.join(uses.get(sha256, ()))}")
    click.echo(
        f"blobs: {blobs.checked} blob(s), {blobs.bytes_checked} bytes re-hashed: "
        f"{len(blobs.missing)} missing, {len(blobs.corrupt)} corrupt, {len(blobs.orphaned)} "
        "orphaned (stored bytes no row names, e.g. a store newer than the dump: harmless)"
    )
    return problems + _print_bundle(report.bundle)


def _print_bundle(bundle: BundleCheck | None) -> int:
    if bundle is None:
        return 0
    if not bundle.verified.ok:
        click.echo(f"PROBLEM bundle {bundle.path.name} does not verify: {bundle.verified.detail}")
        return 1
    for problem in bundle.problems:
        click.echo(f"PROBLEM bundle: {problem}")
    if not bundle.problems:
        click.echo(
            f"bundle {bundle.path.name}: the database holds the {bundle.points} events its "
            "checkpoints and ends vouch for, with their hashes"
        )
    return len(bundle.problems)


COMMANDS = (backup,)
