"""A lifecycle journal with a past: events and signed checkpoints dated on days gone by.

ged records events and seals checkpoints at the moment it does so; a journal of past
days is therefore written here as ged.audit.chain and ged.audit.seal would have written
it then: each event hashed onto the chain at its own moment, each checkpoint signed
with the audit key over the head at its moment (with a pending time-stamp when a TSA
is set, which ged.audit.timestamp.stamp_pending then obtains from the real test TSA)."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from ged.audit.chain import event_hash, format_ts, head
from ged.audit.seal import checkpoint_message, key_id, load_private_key
from ged.config import Settings
from ged.models import LIFECYCLE, AuditCheckpoint, AuditEvent, AuditTimestamp


def at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, time(hour, minute), tzinfo=UTC)


def event_at(session: Session, moment: datetime, action: str, document_id: int) -> int:
    """One lifecycle event recorded at ``moment``; its seq."""
    seq, prev_hash = head(session, LIFECYCLE)
    fields = {
        "id": (session.scalar(select(func.max(AuditEvent.id))) or 0) + 1,
        "stream": LIFECYCLE,
        "seq": seq + 1,
        "actor": "greffe",
        "actor_token": None,
        "action": action,
        "object_type": "document",
        "object_id": str(document_id),
        "outcome": "allowed",
        "ip": None,
        "user_agent": None,
        "details": {"title": "Délibération"},
        "prev_hash": prev_hash,
    }
    fields["hash"] = event_hash({**fields, "ts": format_ts(moment)})
    session.execute(insert(AuditEvent.__table__), {**fields, "ts": moment})
    return seq + 1


def seal_at(session: Session, settings: Settings, moment: datetime) -> AuditCheckpoint:
    """A checkpoint of the journal's head signed as of ``moment``."""
    key = load_private_key(settings.audit.key_file)
    assert key is not None
    seq, head_hash = head(session, LIFECYCLE)
    checkpoint = AuditCheckpoint(
        stream=LIFECYCLE,
        seq=seq,
        head_hash=head_hash,
        ts=moment,
        signature=key.sign(checkpoint_message(seq, head_hash, format_ts(moment))).hex(),
        key_id=key_id(key.public_key()),
    )
    session.add(checkpoint)
    session.flush()
    if settings.audit.tsa_url:
        session.add(
            AuditTimestamp(
                checkpoint_id=checkpoint.id,
                status="pending",
                tsa_url=settings.audit.tsa_url,
                attempts=0,
            )
        )
    return checkpoint


def days_ago(count: int) -> date:
    return datetime.now(UTC).date() - timedelta(days=count)
