"""Retention: removing audit events older than ``[audit] retention_days``, verifiably.

Deleting the start of a hash chain would look like tampering, so a purge, in one
transaction:

1. finds the last event recorded before the cut-off, N (events are deleted as a
   prefix of the chain: 1..N, or from the previous purge's end to N);
2. seals a checkpoint over N and its hash, signed with the audit key;
3. records an "audit.purge" event whose details name N and its hash;
4. deletes events up to N.

Verification then starts at N+1: its prev_hash must be the hash the checkpoint
signed for N. On PostgreSQL the append-only trigger lets DELETE through only in a
transaction that has run ``SET LOCAL ged.audit.purge = 'on'``, which this module
alone does; the setting ends with the transaction. Purging needs the signing key:
without a signed checkpoint nothing would tell a purge from a deletion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from ged.access import Principal
from ged.audit.chain import format_ts, record
from ged.audit.seal import SigningKeyMissing, load_private_key, sign_checkpoint
from ged.config import Settings
from ged.models import AuditEvent
from ged.timeutil import aware


@dataclass(frozen=True)
class Purge:
    #: events deleted, and the last of them (None when nothing was old enough)
    deleted: int
    last_seq: int | None = None
    last_hash: str | None = None


def purge(
    session: Session,
    settings: Settings,
    before: datetime | None = None,
    principal: Principal | None = None,
) -> Purge:
    """Delete the events recorded before ``before`` (default: retention_days ago; with
    retention_days 0 and no ``before``, nothing is ever purged) and commit."""
    if before is None:
        if settings.audit.retention_days == 0:
            return Purge(deleted=0)
        before = datetime.now(UTC) - timedelta(days=settings.audit.retention_days)
    before = aware(before).astimezone(UTC)
    private_key = load_private_key(settings.audit.key_file)
    if private_key is None:
        raise SigningKeyMissing(settings.audit.key_file)
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.ts < before)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    if last is None:
        return Purge(deleted=0)
    first_seq = session.scalar(select(func.min(AuditEvent.seq)))
    count = last.seq - first_seq + 1
    sign_checkpoint(session, private_key, last.seq, last.hash)
    record(
        session,
        principal,
        "audit.purge",
        details={
            "last_purged_seq": last.seq,
            "last_purged_hash": last.hash,
            "before": format_ts(before),
            "deleted": count,
        },
    )
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL ged.audit.purge = 'on'"))
    session.execute(delete(AuditEvent).where(AuditEvent.seq <= last.seq))
    session.commit()
    return Purge(deleted=count, last_seq=last.seq, last_hash=last.hash)
