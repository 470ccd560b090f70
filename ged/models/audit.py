"""The audit trail: two hash-chained streams of events and the signed checkpoints that seal them.

The access log (reads, searches, logins) and the lifecycle journal (what changed a
record, and administration) are two chains in one table: each has its own dense
``seq``, and ``id`` orders both as they were recorded (ged.audit.streams says
which action goes where). Both tables are append-only. On PostgreSQL triggers
(see the "audit trail" and "audit streams" migrations) refuse UPDATE, DELETE and
TRUNCATE; the one exception is the retention purge of old access events
(ged.audit.purge). What protects the rows against whoever owns the database is
the chains themselves (ged.audit) and the checkpoints signed with a key kept
outside the database (ged.audit.seal).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from ged.db import Base
from ged.models.base import one_of, timestamp

OUTCOMES = ("allowed", "denied")
#: the access log, purged after [audit] access_retention_days; the lifecycle journal, never
ACCESS, LIFECYCLE = "access", "lifecycle"
STREAMS = (LIFECYCLE, ACCESS)
#: a time-stamp asked for (and maybe refused, or the TSA down), then obtained
TIMESTAMP_STATUSES = ("pending", "stamped")

# A plain INTEGER primary key is SQLite's rowid (fastest); PostgreSQL needs 64 bits so
# that a busy log never runs out of sequence numbers.
_SEQ = BigInteger().with_variant(Integer(), "sqlite")


class AuditEvent(Base):
    """One thing someone did (or tried to do), chained to the event before it in its stream."""

    __tablename__ = "audit_events"
    __table_args__ = (
        one_of("outcome", OUTCOMES, "known_outcome"),
        one_of("stream", STREAMS, "known_stream"),
        # Also the index the head of a stream and its ranges are read by.
        UniqueConstraint("stream", "seq", name="uq_audit_events_stream_seq"),
        Index("ix_audit_events_object", "object_type", "object_id"),
    )

    #: the order both streams were recorded in, 1, 2, 3, …; assigned with seq under the
    #: chain lock. Not hashed: each stream's chain runs along its own seq
    id: Mapped[int] = mapped_column(_SEQ, primary_key=True, autoincrement=False)
    #: "access" or "lifecycle" (ged.audit.streams.stream_of the action)
    stream: Mapped[str] = mapped_column(String(10))
    #: 1, 2, 3, … within the stream, dense and never reused; assigned by ged.audit.record
    seq: Mapped[int] = mapped_column(_SEQ)
    #: when the event was recorded (UTC, microseconds); never decreases along id or seq
    ts: Mapped[datetime] = timestamp(index=True)
    #: user name of whoever acted (or tried to: a failed login names the name typed);
    #: NULL for ged itself and the command line
    actor: Mapped[str | None] = mapped_column(String(150), index=True)
    #: label of the API token used, NULL for a browser session
    actor_token: Mapped[str | None] = mapped_column(String(200))
    #: what was done, dotted: "login.failed", "document.download", "acl.change", …
    action: Mapped[str] = mapped_column(String(64), index=True)
    #: what it was done to: "document", "user", "token", … and its id as text
    object_type: Mapped[str | None] = mapped_column(String(50))
    object_id: Mapped[str | None] = mapped_column(String(200))
    #: "allowed", or "denied" when the action was refused
    outcome: Mapped[str] = mapped_column(String(10))
    #: client address and user agent of the request, NULL outside HTTP
    ip: Mapped[str | None] = mapped_column(String(64))
    user_agent: Mapped[str | None] = mapped_column(String(512))
    #: anything else worth knowing: the query, the version, before and after, …
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    #: hash of the event before (64 zeros for the first event ever)
    prev_hash: Mapped[str] = mapped_column(String(64))
    #: sha256(prev_hash + canonical JSON of every other column), hex
    hash: Mapped[str] = mapped_column(String(64))


class AuditCheckpoint(Base):
    """A signature over the head of one stream's chain at one moment: proves the chain
    reached ``seq`` with ``head_hash``, so a cut tail or a rewritten past shows."""

    __tablename__ = "audit_checkpoints"
    __table_args__ = (one_of("stream", STREAMS, "known_stream"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the stream whose chain it seals
    stream: Mapped[str] = mapped_column(String(10))
    #: the last event covered (0: the empty chain)
    seq: Mapped[int] = mapped_column(BigInteger, index=True)
    #: hash of that event
    head_hash: Mapped[str] = mapped_column(String(64))
    #: when it was sealed (UTC)
    ts: Mapped[datetime] = timestamp()
    #: Ed25519 signature of (stream, seq, head_hash, ts), hex (ged.audit.seal.checkpoint_message)
    signature: Mapped[str] = mapped_column(String(128))
    #: which key signed: first 16 hex digits of the SHA-256 of the raw public key
    key_id: Mapped[str] = mapped_column(String(64))


class AuditTimestamp(Base):
    """The RFC 3161 time-stamp of one checkpoint (ged.audit.timestamp): a TSA's signature
    that the checkpoint existed at ``gen_time``. Updated in place from pending to stamped,
    unlike the two tables above: it proves nothing by itself until its token verifies."""

    __tablename__ = "audit_timestamps"
    __table_args__ = (one_of("status", TIMESTAMP_STATUSES, "known_status"),)

    checkpoint_id: Mapped[int] = mapped_column(ForeignKey("audit_checkpoints.id"), primary_key=True)
    #: "pending" until a token that verifies is stored, then "stamped"
    status: Mapped[str] = mapped_column(String(10), index=True)
    #: the TSA asked ([audit] tsa_url when the checkpoint was sealed, or when it answered)
    tsa_url: Mapped[str] = mapped_column(String(500))
    #: the TSA's whole answer (a DER TimeStampResp holding the token); NULL while pending
    token: Mapped[bytes | None] = mapped_column(LargeBinary)
    #: the time the TSA vouches for (its genTime); NULL while pending
    gen_time: Mapped[datetime | None] = timestamp()
    #: requests made so far, the last one's moment and, while pending, why it failed
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_attempt_at: Mapped[datetime | None] = timestamp()
    last_error: Mapped[str | None] = mapped_column(Text)
