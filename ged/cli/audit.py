"""``ged audit``: keygen, verify, export, seal, stamp, purge."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from ged.access import command_line
from ged.audit.chain import format_ts
from ged.audit.offline import verify_file
from ged.audit.query import filters_from, parse_moment
from ged.audit.seal import generate_key, key_id, public_key_file, public_key_pem, read_public_key
from ged.audit.streams import STREAM_NAMES
from ged.audit.tsa import load_roots
from ged.cli.invocation import settings_from, unit_of_work
from ged.errors import InvalidInput
from ged.models import OUTCOMES, STREAMS
from ged.services import audit as audit_service

#: the option that sets each filter (their destinations are ged.audit.query.FILTER_NAMES)
OPTION_OF = {
    "stream": "--stream",
    "date_from": "--from",
    "date_to": "--to",
    "actor": "--actor",
    "action": "--action",
    "document": "--document",
    "outcome": "--outcome",
    "seq_from": "--seq-from",
    "seq_to": "--seq-to",
}


@click.group()
def audit() -> None:
    """The audit trail (the access log and the lifecycle journal): verify it, export it, seal
    checkpoints, purge the old access log."""


@audit.command()
@click.pass_context
def keygen(ctx: click.Context) -> None:
    """Create the Ed25519 key that signs checkpoints ([audit] key_file, and KEY_FILE.pub).

    Keep the private key outside the database and its backups; publish the key id (and
    the .pub file) to auditors so they can check bundles against it.
    """
    key_file = settings_from(ctx).audit.key_file
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
    help="Verify this file offline instead of the database: an export (bundle .zip, .jsonl "
    "or .csv) or a disposal certificate (.json).",
)
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trusted public key (PEM) for a bundle's checkpoints or a certificate's signature, "
    "instead of the one inside the file.",
)
@click.option(
    "--tsa-ca",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Trusted CA certificates (PEM) of the time-stamping authority, for a bundle's "
    "time-stamps, instead of the bundle's own tsa-ca.pem.",
)
@click.option(
    "--require-timestamps",
    is_flag=True,
    help="Fail if a checkpoint has no time-stamp (by default they are reported only).",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
@click.pass_context
def verify(
    ctx: click.Context,
    path: Path | None,
    public_key: Path | None,
    tsa_ca: Path | None,
    require_timestamps: bool,
    as_json: bool,
) -> None:
    """Recompute both streams' hash chains and check their checkpoints and the checkpoints'
    time-stamps. Exit status 1 if one is broken."""
    if path is not None:
        # Offline: the file against itself (and a trusted key and CA), nothing from this server.
        trusted = read_public_key(public_key.read_bytes()) if public_key else None
        roots = load_roots(tsa_ca) if tsa_ca else None
        result = verify_file(path, trusted, roots, require_timestamps)
    else:
        with unit_of_work(ctx) as uow:
            result = audit_service.verify_log(uow, command_line(), require_timestamps)
    if as_json:
        click.echo(json.dumps(result.as_dict(), indent=2))
    elif result.ok:
        click.echo(f"OK: {result.detail}")
    elif result.first_broken_seq is None:
        click.echo(f"BROKEN ({result.reason}): {result.detail}")
    else:
        click.echo(f"BROKEN at event {result.first_broken_seq} ({result.reason}): {result.detail}")
    sys.exit(0 if result.ok else 1)


@audit.command()
@click.option(
    "--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="jsonl", show_default=True
)
@click.option(
    "--stream", type=click.Choice(STREAMS), help="One stream only (default: both, as recorded)."
)
@click.option("--from", "date_from", help="From this date (YYYY-MM-DD) or ISO time, UTC.")
@click.option("--to", "date_to", help="Up to this date (whole day) or ISO time, UTC.")
@click.option("--actor", help="User name.")
@click.option("--action", help='Action, e.g. "document.download".')
@click.option("--document", help="Document id.")
@click.option("--outcome", type=click.Choice(OUTCOMES))
@click.option("--seq-from", help="From this sequence number (of each stream).")
@click.option("--seq-to", help="Up to this sequence number (of each stream).")
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write here (default: standard output).",
)
@click.option(
    "--bundle",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write a verifiable bundle (zip) here: a range of each chain, by stream, period or "
    "seq only.",
)
@click.pass_context
def export(
    ctx: click.Context, fmt: str, output: Path | None, bundle: Path | None, **given: str | None
) -> None:
    """Export audit events, streamed, each with its seq, hash and prev_hash."""
    if bundle is not None and output is not None:
        raise click.UsageError("--bundle and --output are exclusive: a bundle is its own file")
    try:
        filters = filters_from(given, strict=True)
    except InvalidInput as refused:
        raise click.BadParameter(str(refused), param_hint=OPTION_OF.get(refused.field)) from None
    with unit_of_work(ctx) as uow:
        started = audit_service.start_export(
            uow, command_line(), filters, "bundle" if bundle else fmt
        )
        chunks = audit_service.export_chunks(uow, started)
        if bundle is not None:
            partial = bundle.with_name(bundle.name + ".part")
            with partial.open("wb") as out:
                out.writelines(chunks)
            partial.replace(bundle)  # never a half-written bundle under the final name
            click.echo(f"bundle written to {bundle}", err=True)
        elif output is None:
            for chunk in chunks:
                click.echo(chunk, nl=False)
        else:
            with output.open("w", encoding="utf-8", newline="") as out:
                out.writelines(chunks)


@audit.command()
@click.pass_context
def seal(ctx: click.Context) -> None:
    """Sign a checkpoint over the current end of each stream's chain now, then ask the TSA
    for its time-stamp when [audit] tsa_url is set."""
    with unit_of_work(ctx) as uow:
        checkpoints = audit_service.seal(uow, command_line())
    for checkpoint in checkpoints:
        click.echo(
            f"{STREAM_NAMES[checkpoint.stream]}: checkpoint over event {checkpoint.seq} "
            f"({checkpoint.head_hash}) signed by key {checkpoint.key_id}",
            err=True,
        )
    if settings_from(ctx).audit.tsa_url:
        ctx.invoke(stamp)


@audit.command()
@click.pass_context
def stamp(ctx: click.Context) -> None:
    """Ask the time-stamping authority ([audit] tsa_url) now for the checkpoints' time-stamps
    still pending; the workers do it every sweep. Exit status 1 if some are left pending."""
    with unit_of_work(ctx) as uow:
        done = audit_service.stamp(uow, command_line())
    if done.stamped or not done.failed:
        click.echo(f"{done.stamped} checkpoints time-stamped", err=True)
    if done.last_error:
        click.echo(f"the TSA did not time-stamp {done.failed}: {done.last_error}", err=True)
    if done.pending:
        since = format_ts(done.pending_since) if done.pending_since else "?"
        click.echo(
            f"{done.pending} checkpoints wait for their time-stamp, the oldest sealed at {since}",
            err=True,
        )
        sys.exit(1)


@audit.command()
@click.option(
    "--before",
    help="Purge access events recorded before this date or ISO time "
    "(default: access_retention_days ago).",
)
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_context
def purge(ctx: click.Context, before: str | None, yes: bool) -> None:
    """Delete the old events of the access log, sealing a checkpoint over the last one
    removed, so that the rest of its chain stays verifiable. The lifecycle journal is
    never purged. Needs the signing key."""
    retention_days = settings_from(ctx).audit.access_retention_days
    cutoff = parse_moment(before, "--before")
    if cutoff is None and retention_days == 0:
        click.echo("[audit] access_retention_days is 0: the access log is kept forever", err=True)
        return
    if not yes:
        shown = cutoff or f"{retention_days} days ago"
        click.confirm(f"Delete the access-log events recorded before {shown}?", abort=True)
    with unit_of_work(ctx) as uow:
        done = audit_service.purge(uow, command_line(), cutoff)
    if done.deleted:
        click.echo(
            f"{done.deleted} access-log events purged, up to event {done.last_seq} "
            f"({done.last_hash}), which a checkpoint now seals",
            err=True,
        )
    else:
        click.echo("no access-log event is old enough to purge", err=True)


COMMANDS = (audit,)
