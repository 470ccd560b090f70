"""``ged audit``: keygen, verify, export, seal, purge.

Registered on the root group by ged.cli, which this module imports only inside
commands: ged.cli imports this module to register it.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from sqlalchemy.orm import Session

from ged.audit.export import bundle_chunks, csv_chunks, jsonl_chunks, start_export
from ged.audit.query import EventFilters, iter_events, parse_moment
from ged.config import Settings
from ged.models import OUTCOMES


def _settings(ctx: click.Context) -> Settings:
    from ged.cli import settings_from

    return settings_from(ctx)


@contextmanager
def _session(ctx: click.Context) -> Iterator[Session]:
    from ged.cli import database_session

    with database_session(ctx) as session:
        yield session


@click.group()
def audit() -> None:
    """The audit trail: verify it, export it, seal checkpoints, purge old events."""


@audit.command()
@click.pass_context
def keygen(ctx: click.Context) -> None:
    """Create the Ed25519 key that signs checkpoints ([audit] key_file, and KEY_FILE.pub).

    Keep the private key outside the database and its backups; publish the key id (and
    the .pub file) to auditors so they can check bundles against it.
    """
    from ged.audit.seal import generate_key, key_id, public_key_file, public_key_pem

    key_file = _settings(ctx).audit.key_file
    public_key = generate_key(key_file)
    click.echo(public_key_pem(public_key).decode("ascii"), nl=False)
    click.echo(
        f"private key {key_file} (mode 0600), public key {public_key_file(key_file)}, "
        f"key id {key_id(public_key)}",
        err=True,
    )


@audit.command()
@click.option(
    "--file",
    "path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Verify this export offline (bundle .zip, .jsonl or .csv) instead of the database.",
)
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trusted public key (PEM) for a bundle's checkpoints, instead of the one inside it.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def verify(ctx: click.Context, path: Path | None, public_key: Path | None, as_json: bool) -> None:
    """Recompute the hash chain and check the checkpoints. Exit status 1 if it is broken."""
    from ged.audit.seal import read_public_key
    from ged.audit.verify import verify_file, verify_log

    if path is not None:
        trusted = read_public_key(public_key.read_bytes()) if public_key else None
        result = verify_file(path, trusted)
    else:
        with _session(ctx) as session:
            result = verify_log(session, _settings(ctx), None)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
    elif result.ok:
        click.echo(f"OK: {result.detail}")
    else:
        click.echo(f"BROKEN at event {result.first_broken_seq} ({result.reason}): {result.detail}")
    sys.exit(0 if result.ok else 1)


@audit.command()
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="jsonl", show_default=True
)
@click.option("--from", "date_from", help="From this date (YYYY-MM-DD) or ISO time, UTC.")
@click.option("--to", "date_to", help="Up to this date (whole day) or ISO time, UTC.")
@click.option("--actor", help="User name.")
@click.option("--action", help='Action, e.g. "document.download".')
@click.option("--document", "document_id", type=click.IntRange(min=1), help="Document id.")
@click.option("--outcome", type=click.Choice(OUTCOMES))
@click.option("--seq-from", type=click.IntRange(min=1), help="From this sequence number.")
@click.option("--seq-to", type=click.IntRange(min=1), help="Up to this sequence number.")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here (default: standard output).",
)
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a verifiable bundle (zip) here: a range of the chain, by period or seq only.",
)
@click.pass_context
def export(
    ctx: click.Context,
    fmt: str,
    date_from: str | None,
    date_to: str | None,
    actor: str | None,
    action: str | None,
    document_id: int | None,
    outcome: str | None,
    seq_from: int | None,
    seq_to: int | None,
    output: Path | None,
    bundle: Path | None,
) -> None:
    """Export audit events, streamed, each with its seq, hash and prev_hash."""
    from ged.audit.seal import load_public_key

    if bundle is not None and output is not None:
        raise click.UsageError("--bundle and --output are exclusive: a bundle is its own file")
    filters = EventFilters(
        date_from=parse_moment(date_from, "--from"),
        date_to=parse_moment(date_to, "--to", end=True),
        actor=actor,
        action=action,
        document_id=document_id,
        outcome=outcome,
        seq_from=seq_from,
        seq_to=seq_to,
    )
    settings = _settings(ctx)
    with _session(ctx) as session:
        start_export(session, None, filters, "bundle" if bundle else fmt)
        if bundle is not None:
            partial = bundle.with_name(bundle.name + ".part")
            with partial.open("wb") as out:
                for chunk in bundle_chunks(
                    session, filters, load_public_key(settings.audit.key_file)
                ):
                    out.write(chunk)
            partial.replace(bundle)  # never a half-written bundle under the final name
            click.echo(f"bundle written to {bundle}", err=True)
            return
        chunks = (csv_chunks if fmt == "csv" else jsonl_chunks)(iter_events(session, filters))
        if output is None:
            for chunk in chunks:
                click.echo(chunk, nl=False)
            return
        with output.open("w", encoding="utf-8", newline="") as out:
            out.writelines(chunks)


@audit.command()
@click.pass_context
def seal(ctx: click.Context) -> None:
    """Sign a checkpoint over the current end of the chain now."""
    from ged.audit.seal import seal_checkpoint

    with _session(ctx) as session:
        checkpoint = seal_checkpoint(session, _settings(ctx))
    click.echo(
        f"checkpoint over event {checkpoint.seq} ({checkpoint.head_hash}) signed by key "
        f"{checkpoint.key_id}",
        err=True,
    )


@audit.command()
@click.option(
    "--before",
    help="Purge events recorded before this date or ISO time (default: retention_days ago).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def purge(ctx: click.Context, before: str | None, yes: bool) -> None:
    """Delete old audit events, sealing a checkpoint over the last one removed, so that
    the rest of the chain stays verifiable. Needs the signing key."""
    from ged.audit.purge import purge as purge_events

    settings = _settings(ctx)
    cutoff = parse_moment(before, "--before")
    if cutoff is None and settings.audit.retention_days == 0:
        click.echo("[audit] retention_days is 0: audit events are kept forever", err=True)
        return
    if not yes:
        shown = cutoff or f"{settings.audit.retention_days} days ago"
        click.confirm(f"Delete the audit events recorded before {shown}?", abort=True)
    with _session(ctx) as session:
        done = purge_events(session, settings, cutoff)
    if done.deleted:
        click.echo(
            f"{done.deleted} events purged, up to event {done.last_seq} ({done.last_hash}), "
            "which a checkpoint now seals",
            err=True,
        )
    else:
        click.echo("no audit event is old enough to purge", err=True)
