"""Operator commands on the stored data: fsck (blob integrity) and reconcile (re-queue work)."""

from __future__ import annotations

import click
from sqlalchemy import select
from sqlalchemy.orm import Session
from tqdm import tqdm

from ged.config import Settings
from ged.fsck import check_store
from ged.health import check_redis
from ged.models import Blob, Version
from ged.storage import make_blob_store
from workers.queue import enqueue_versions

UNFINISHED = ("pending", "processing")


def run_fsck(session: Session, settings: Settings) -> int:
    """Check the store against the database, print a report, return the exit status."""
    referenced = {sha256: size for sha256, size in session.execute(select(Blob.sha256, Blob.size))}
    store = make_blob_store(settings.storage)
    with tqdm(total=0, unit="B", unit_scale=True, desc="fsck", leave=False) as bar:

        def progress(done: int, total: int) -> None:
            bar.total = total
            bar.update(done - bar.n)

        report = check_store(store, referenced, progress)
    for label, shas in (
        ("missing", report.missing),
        ("corrupt", report.corrupt),
        ("orphaned", report.orphaned),
    ):
        for sha256 in shas:
            click.echo(f"{label} {sha256}")
    click.echo(
        f"{report.checked} blob(s), {report.bytes_checked} bytes re-hashed: "
        f"{len(report.missing)} missing, {len(report.corrupt)} corrupt, {len(report.orphaned)} orphaned",
        err=True,
    )
    if not report.ok:
        return 1
    return 0 if report.clean else 2


def requeue_unfinished(session: Session, settings: Settings) -> int:
    check_redis(settings.redis.url)
    ids = list(
        session.scalars(
            select(Version.id).where(Version.status.in_(UNFINISHED)).order_by(Version.id)
        )
    )
    return len(enqueue_versions(settings, ids))
