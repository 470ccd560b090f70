"""Time-stamping the checkpoints with the TSA: asked after they are committed, retried until it answers.

Sealing never waits for the TSA. The transaction that seals a checkpoint also records
a pending time-stamp for it when [audit] tsa_url is set (ged.audit.seal.sign_checkpoint); after the
commit, the workers' sweep (workers.recovery.audit_housekeeping, every [pipeline]
recovery_seconds) and ``ged audit seal``/``ged audit stamp`` ask the TSA for the pending
ones, oldest first (stamp_pending). A TSA that is down or refuses leaves them pending,
with the reason and a warning in the log; ``ged audit verify`` reports how many are
waiting and since when, which is the alert to watch.

A time-stamp is not an audit event: recording one would add an event to seal, whose
checkpoint would be stamped, and so on. Its trace is the token itself, which anyone
can check (ged.audit.tsa).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from ged.audit.chain import format_ts
from ged.audit.seal import checkpoint_dict
from ged.audit.tsa import TimestampRefused, load_roots, request_token
from ged.config import Settings
from ged.errors import InvalidInput
from ged.models import AuditCheckpoint, AuditTimestamp

log = logging.getLogger(__name__)

#: checkpoints one round asks for at most (one an hour per stream: a day down is 48)
ROUND_LIMIT = 100


@dataclass(frozen=True)
class StampRound:
    """What one round of stamp_pending did."""

    stamped: int
    failed: int
    #: still pending after the round, and when the oldest of them was sealed
    pending: int
    pending_since: datetime | None
    #: why the last failure failed
    last_error: str | None = None


def stamp_pending(session: Session, settings: Settings, limit: int = ROUND_LIMIT) -> StampRound:
    """Ask the TSA for the pending time-stamps, oldest first, committing each answer; a TSA
    that does not answer ends the round (the others would wait for it in vain)."""
    audit = settings.audit
    stamped = failed = 0
    last_error = None
    roots = None
    if audit.tsa_url and audit.tsa_ca_file is not None:
        try:
            roots = load_roots(audit.tsa_ca_file)
        except InvalidInput as unusable:
            last_error = str(unusable)
            log.warning("no checkpoint can be time-stamped: %s", unusable)
    if roots is not None:
        waiting = session.execute(
            select(AuditTimestamp, AuditCheckpoint)
            .join(AuditCheckpoint, AuditCheckpoint.id == AuditTimestamp.checkpoint_id)
            .where(AuditTimestamp.status == "pending")
            .order_by(AuditTimestamp.checkpoint_id)
            .limit(limit)
        ).all()
        for stamp, checkpoint in waiting:
            stamp.attempts += 1
            stamp.last_attempt_at = datetime.now(UTC)
            try:
                token, gen_time = request_token(
                    checkpoint_dict(checkpoint), audit.tsa_url, audit.tsa_timeout, roots
                )
            except TimestampRefused as refused:
                failed += 1
                stamp.last_error = last_error = str(refused)
                session.commit()
                log.warning(
                    "the %s checkpoint over event %s (sealed %s) is not time-stamped yet, "
                    "retried next sweep: %s",
                    checkpoint.stream,
                    checkpoint.seq,
                    format_ts(checkpoint.ts),
                    refused,
                )
                if refused.unreachable:
                    break
                continue
            stamp.status, stamp.token, stamp.gen_time = "stamped", token, gen_time
            stamp.tsa_url, stamp.last_error = audit.tsa_url, None
            session.commit()
            stamped += 1
    pending, since = backlog(session)
    return StampRound(stamped, failed, pending, since, last_error)


def backlog(session: Session) -> tuple[int, datetime | None]:
    """How many checkpoints wait for their time-stamp, and when the oldest was sealed."""
    sealed = session.scalars(
        select(AuditCheckpoint.ts)
        .join(AuditTimestamp, AuditTimestamp.checkpoint_id == AuditCheckpoint.id)
        .where(AuditTimestamp.status == "pending")
        .order_by(AuditCheckpoint.ts)
    ).all()
    return len(sealed), (sealed[0] if sealed else None)


def stamp_rows(session: Session, stream: str) -> list[dict]:
    """Each stamped checkpoint of ``stream`` as a bundle lists it (ged.audit.export)."""
    found = session.execute(
        select(AuditCheckpoint, AuditTimestamp)
        .join(AuditTimestamp, AuditTimestamp.checkpoint_id == AuditCheckpoint.id)
        .where(AuditCheckpoint.stream == stream, AuditTimestamp.status == "stamped")
        .order_by(AuditCheckpoint.seq, AuditCheckpoint.id)
    )
    return [
        {
            "stream": checkpoint.stream,
            "seq": checkpoint.seq,
            "ts": format_ts(checkpoint.ts),
            "gen_time": format_ts(stamp.gen_time) if stamp.gen_time else None,
            "tsa_url": stamp.tsa_url,
            "token": stamp.token,
        }
        for checkpoint, stamp in found
    ]
