"""The audit trail: ``record()``, the one call every audited action makes, and the hash chains.

Events go to one of two streams (ged.audit.streams: the access log, the lifecycle
journal), each a chain of its own. Each event stores ``hash = sha256(prev_hash +
canonical JSON of the event)``, the event being every field but ``hash`` itself
(``HASHED_FIELDS``, plus ``stream`` in the access log: see event_hash),
``prev_hash`` the hash of the event before in its stream (``GENESIS`` for event 1).
Canonical JSON: keys sorted, no spaces, UTF-8 (not \\u escapes), ``ts`` as ISO 8601
UTC with microseconds (``2026-11-28T09:15:02.123456Z``). Any edit, deletion or
reordering of stored events therefore breaks a chain (ged.audit.verify), and anyone
holding an export can recompute it. ``id``, the order of both streams together, is
not hashed: it is for listing.

``record()`` appends in the caller's transaction and does not commit: the action
and its event commit together, and an action whose event cannot be written fails
with it. To keep the chains from forking, writers are serialised from the moment
``record()`` reads the heads until their commit: a transaction-scoped advisory
lock on PostgreSQL, SQLite's single write lock on SQLite. One lock for both
streams, so that ``id`` and ``ts`` follow the order of commits across them. Call it
last, just before the commit, so that the lock is held briefly. PostgreSQL sessions
must run at READ COMMITTED (the default): the heads are read after the lock is taken
and must see the commit of the writer that held it before.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Row, bindparam, func, insert, select, text
from sqlalchemy.orm import Session, aliased

from ged.access import Principal
from ged.audit.streams import stream_of
from ged.models import LIFECYCLE, OUTCOMES, AuditCheckpoint, AuditEvent
from ged.timeutil import aware

#: prev_hash of the first event of each stream
GENESIS = "0" * 64
#: what every event's hash covers (the access log's also covers its stream)
HASHED_FIELDS = (
    "seq",
    "ts",
    "actor",
    "actor_token",
    "action",
    "object_type",
    "object_id",
    "outcome",
    "ip",
    "user_agent",
    "details",
    "prev_hash",
)
#: an event as exports show it, in this order
EVENT_FIELDS = ("stream", *HASHED_FIELDS, "hash")

# Any constant works as long as nothing else in the database uses it: "ged_audt" in ASCII.
_CHAIN_LOCK = 0x6765645F61756474

# Longer values are cut rather than refused: a client's absurdly long User-Agent header
# must not make the action it sent fail.
_LIMITS = {"actor": 150, "actor_token": 200, "object_type": 50, "object_id": 200, "ip": 64}
_USER_AGENT_LIMIT = 512
_ACTION_LIMIT = 64


def canonical_json(value: Any) -> bytes:
    """The one serialisation hashes are computed over; refuses NaN and non-JSON types."""
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    ).encode("utf-8")


def format_ts(moment: datetime) -> str:
    return aware(moment).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def event_hash(event: Mapping[str, Any]) -> str:
    """The hash an event must carry, from its other fields (``ts`` as format_ts gives it).

    The lifecycle journal's hashes do not name the stream: it continues the one chain
    ged kept before there were two, whose past must verify as it was hashed. Every other
    stream's do, so that relabelling an event either way breaks its hash. An event
    without ``stream`` (an export made before there were two) is of that one chain.
    """
    body = {field: event[field] for field in HASHED_FIELDS}
    stream = event.get("stream", LIFECYCLE)
    if stream != LIFECYCLE:
        body["stream"] = stream
    return hashlib.sha256(event["prev_hash"].encode("ascii") + canonical_json(body)).hexdigest()


def event_dict(event: AuditEvent | Row) -> dict[str, Any]:
    """An event as exports, the API and verification see it: JSON values, EVENT_FIELDS order."""
    values = {field: getattr(event, field) for field in EVENT_FIELDS}
    values["ts"] = format_ts(values["ts"])
    return values


def record(
    session: Session,
    principal: Principal | None,
    action: str,
    *,
    object_type: str | None = None,
    object_id: str | int | None = None,
    outcome: str = "allowed",
    details: Mapping[str, Any] | None = None,
    actor: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> AuditEvent:
    """Append one event to its stream (``stream_of(action)``) in the session's transaction,
    written at once but not committed; the AuditEvent returned is a copy of the row, not
    attached to the session.

    The actor, token label, address and user agent come from ``principal``;
    ``actor``, ``ip`` and ``user_agent`` are for events without one (a failed
    login names the account tried and the client it came from) and override it.
    ``principal=None`` without ``actor`` records ged itself or the command line.
    ``details`` must be JSON: what is stored is exactly what is hashed.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"outcome must be one of {OUTCOMES}, not {outcome!r}")
    if not 0 < len(action) <= _ACTION_LIMIT:
        raise ValueError(f"action must have 1 to {_ACTION_LIMIT} characters, not {action!r}")
    if principal is not None:
        actor = actor or principal.username
        ip = ip or principal.ip
        user_agent = user_agent or principal.user_agent
    fields: dict[str, Any] = {
        "actor": actor,
        "actor_token": principal.token_label if principal else None,
        "action": action,
        "object_type": object_type,
        "object_id": None if object_id is None else str(object_id),
        "outcome": outcome,
        "ip": ip,
        # A round trip through JSON stores what the hash covers: tuples become lists,
        # number keys strings, and anything JSON cannot say fails here, not later.
        "details": json.loads(canonical_json(dict(details or {}))),
    }
    for field, limit in _LIMITS.items():
        fields[field] = _clean(fields[field], limit)
    fields["user_agent"] = _clean(user_agent, _USER_AGENT_LIMIT)

    # Core statements on the session's connection (its transaction): the ORM's unit of
    # work would double the cost of a call made on every request.
    connection = session.connection()
    lock_chains(connection)
    stream = stream_of(action)
    last_seq, last_hash, last_id = _tails(connection, stream)
    # Taken under the lock, so timestamps never go backwards along id or a chain.
    moment = datetime.now(UTC)
    fields.update(id=last_id + 1, stream=stream, seq=last_seq + 1, prev_hash=last_hash)
    fields["hash"] = event_hash({**fields, "ts": format_ts(moment)})
    fields["ts"] = moment
    connection.execute(insert(AuditEvent.__table__), fields)
    return AuditEvent(**fields)


def head(session: Session | Connection, stream: str) -> tuple[int, str]:
    """(seq, hash) of the last event of ``stream``; (0, GENESIS) while it has none.

    A purge may have removed every event of the access log: the checkpoint it sealed
    over the last one then holds the head, and the chain goes on from there.
    """
    last = session.execute(
        select(AuditEvent.seq, AuditEvent.hash)
        .where(AuditEvent.stream == stream)
        .order_by(AuditEvent.seq.desc())
        .limit(1)
    ).first()
    if last is not None:
        return last.seq, last.hash
    sealed = session.execute(
        select(AuditCheckpoint.seq, AuditCheckpoint.head_hash)
        .where(AuditCheckpoint.stream == stream)
        .order_by(AuditCheckpoint.seq.desc())
        .limit(1)
    ).first()
    return (sealed.seq, sealed.head_hash) if sealed else (0, GENESIS)


# Built once: a statement built per call (its alias above all) would be compiled per call.
_EVERY = aliased(AuditEvent)  # not correlated with the outer query's rows
_TAILS = (
    select(AuditEvent.seq, AuditEvent.hash, select(func.max(_EVERY.id)).scalar_subquery())
    .where(AuditEvent.stream == bindparam("stream"))
    .order_by(AuditEvent.seq.desc())
    .limit(1)
)


def _tails(connection: Connection, stream: str) -> tuple[int, str, int]:
    """``head(stream)`` and the last ``id`` of both streams: one statement (not two) once
    the stream has events, for a call made on every request."""
    last = connection.execute(_TAILS, {"stream": stream}).first()
    if last is not None:
        return last[0], last[1], last[2]
    last_seq, last_hash = head(connection, stream)
    return last_seq, last_hash, connection.scalar(select(func.max(AuditEvent.id))) or 0


def lock_chains(connection: Connection) -> None:
    """Hold both chains until the transaction ends (record() does; so does a purge, before
    it reads what it will delete)."""
    if connection.dialect.name == "postgresql":
        connection.execute(select(func.pg_advisory_xact_lock(_CHAIN_LOCK)))
    else:
        # A write that matches nothing still takes SQLite's write lock (waiting for the
        # busy timeout if another writer has it), and a transaction that starts with it
        # reads the head as the last writer committed it. A mere SELECT would not lock.
        connection.execute(text("DELETE FROM audit_events WHERE 0"))


def _clean(value: str | None, limit: int) -> str | None:
    """Empty means absent: CSV exports cannot tell "" from null, so only null is stored."""
    if not value:
        return None
    return value[:limit]


def edit_details(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Details of an edit: the fields that changed, as they were and as they are."""
    changed = sorted(key for key in after if after[key] != before.get(key))
    return {
        "before": {key: before.get(key) for key in changed},
        "after": {key: after[key] for key in changed},
    }


def record_access(
    session: Session, principal: Principal | None, action: str, **fields: Any
) -> None:
    """Record a read (a view, a download, a search) and commit it: reads change nothing
    else, so the event is the whole transaction."""
    record(session, principal, action, **fields)
    session.commit()
