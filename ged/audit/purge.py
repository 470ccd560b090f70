"""Retention: removing access-log events older than ``[audit] access_retention_days``, verifiably.

Only the access log is ever purged (ged.audit.streams); the lifecycle journal is kept
as long as the records it describes. Deleting the start of a hash chain would look
like tampering, so a purge, in one transaction:

1. finds the last access event recorded before the cut-off, N (events are deleted
   as a prefix of the access chain: 1..N, or from the previous purge's end to N);
2. seals a checkpoint of the access log over N and its hash, signed with the audit key;
3. records an "audit.purge" event, in the lifecycle journal (so the purge's own
   record outlives every later purge), whose details name N and its hash;
4. deletes the access events up to N.

Verification of the access log then starts at N+1: its prev_hash must be the hash
the checkpoint signed for N. On PostgreSQL the append-only trigger lets DELETE of
access events through only in a transaction that has run ``SET LOCAL ged.audit.purge
= 'on'``, which this module alone does, and never a lifecycle event's; the setting
ends with the transaction. Purging needs the signing key: without a signed
checkpoint nothing would tell a purge from a deletion.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, func, select, text
from sqlalchemy.orm import Session

from ged.access import Principal
from ged.audit.chain import format_ts, lock_chains, record
from ged.audit.seal import SigningKeyMissing, load_private_key, sign_checkpoint
from ged.config import Settings
from ged.models import ACCESS, AuditEvent
from ged.timeutil import aware


@dataclass(frozen=True)
class Purge:
    #: access events deleted, and the last of them (None when nothing was old enough)
    deleted: int
    last_seq: int | None = None
    last_hash: str | None = None


def purge(
    session: Session,
    settings: Settings,
    before: datetime | None = None,
    principal: Principal | None = None,
) -> Purge:
    """Delete the access events recorded before ``before`` (default: access_retention_days
    ago; with access_retention_days 0 and no ``before``, nothing is ever purged) and commit."""
    if before is None:
        if settings.audit.access_retention_days == 0:
            return Purge(deleted=0)
        before = datetime.now(UTC) - timedelta(days=settings.audit.access_retention_days)
    before = aware(before).astimezone(UTC)
    private_key = load_private_key(settings.audit.key_file)
    if private_key is None:
        raise SigningKeyMissing(settings.audit.key_file)
    lock_chains(session.connection())  # a concurrent purge must not count the same events
    access = AuditEvent.stream == ACCESS
    # ts never decreases along a chain, so the events before the cut-off are a prefix.
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(access, AuditEvent.ts < before)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    if last is None:
        return Purge(deleted=0)
    first_seq = session.scalar(select(func.min(AuditEvent.seq)).where(access))
    count = last.seq - first_seq + 1
    sign_checkpoint(session, private_key, ACCESS, last.seq, last.hash, settings.audit.tsa_url)
    record(
        session,
        principal,
        "audit.purge",
        details={
            "stream": ACCESS,
            "last_purged_seq": last.seq,
            "last_purged_hash": last.hash,
            "before": format_ts(before),
            "deleted": count,
        },
    )
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SET LOCAL ged.audit.purge = 'on'"))
    session.execute(delete(AuditEvent).where(access, AuditEvent.seq <= last.seq))
    session.commit()
    return Purge(deleted=count, last_seq=last.seq, last_hash=last.hash)
