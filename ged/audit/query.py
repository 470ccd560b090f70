"""Reading the audit trail: filters, streaming in chain order, and pages for the API.

Without a ``stream`` filter both streams are read together, in the order they were
recorded (``id``); ``seq`` bounds then apply to each stream's own numbering.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from ged.access import Principal
from ged.audit.chain import EVENT_FIELDS, event_dict, format_ts, record
from ged.errors import InvalidInput
from ged.models import OUTCOMES, STREAMS, AuditEvent
from ged.parsing import MAX_BIGINT, positive_int
from ged.timeutil import aware

#: rows fetched per round trip while streaming; bounds the memory an export holds
BATCH = 1000
MAX_PAGE_SIZE = 500
_COLUMNS = [AuditEvent.__table__.c[field] for field in EVENT_FIELDS]


@dataclass(frozen=True)
class EventFilters:
    """Which events: every given criterion must hold. Bounds are inclusive."""

    stream: str | None = None
    date_from: datetime | None = None
    date_to: datetime | None = None
    actor: str | None = None
    action: str | None = None
    document_id: int | None = None
    outcome: str | None = None
    seq_from: int | None = None
    seq_to: int | None = None

    def __post_init__(self) -> None:
        if self.stream is not None and self.stream not in STREAMS:
            raise InvalidInput(
                f"stream must be one of {', '.join(STREAMS)}, not {self.stream!r}",
                field="stream",
            )
        if self.outcome is not None and self.outcome not in OUTCOMES:
            raise InvalidInput(
                f"outcome must be one of {', '.join(OUTCOMES)}, not {self.outcome!r}",
                field="outcome",
            )

    def conditions(self) -> list[ColumnElement[bool]]:
        column = AuditEvent.__table__.c
        found: list[ColumnElement[bool]] = []
        if self.stream is not None:
            found.append(column.stream == self.stream)
        # Times are compared in UTC (naive ones are taken as UTC): SQLite compares text.
        if self.date_from is not None:
            found.append(column.ts >= aware(self.date_from).astimezone(UTC))
        if self.date_to is not None:
            found.append(column.ts <= aware(self.date_to).astimezone(UTC))
        if self.actor is not None:
            found.append(column.actor == self.actor)
        if self.action is not None:
            found.append(column.action == self.action)
        if self.document_id is not None:
            found.append(column.object_type == "document")
            found.append(column.object_id == str(self.document_id))
        if self.outcome is not None:
            found.append(column.outcome == self.outcome)
        if self.seq_from is not None:
            found.append(column.seq >= self.seq_from)
        if self.seq_to is not None:
            found.append(column.seq <= self.seq_to)
        return found

    @property
    def selects_a_range(self) -> bool:
        """Only stream, period and seq bounds: the result is an unbroken stretch of each
        stream's chain."""
        return (self.actor, self.action, self.document_id, self.outcome) == (None,) * 4

    def as_details(self) -> dict[str, Any]:
        """The criteria given, as JSON for the audit event recording their use."""
        given = {key: value for key, value in asdict(self).items() if value is not None}
        for key in ("date_from", "date_to"):
            if key in given:
                given[key] = format_ts(given[key])
        return given


def parse_moment(value: str | None, field: str, *, end: bool = False) -> datetime | None:
    """``YYYY-MM-DD`` (a whole day: its first microsecond, or with ``end`` its last) or an
    ISO 8601 date and time (UTC unless it says otherwise)."""
    if value is None or value == "":
        return None
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            moment = datetime.combine(day, time(), tzinfo=UTC)
            return moment + timedelta(days=1, microseconds=-1) if end else moment
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            f"{field} must be a date (YYYY-MM-DD) or an ISO 8601 date and time, not {value!r}",
            field=field,
        ) from None
    return aware(moment)


#: the names filters go by, in query strings, forms and (mapped) command-line options
FILTER_NAMES = (
    "stream",
    "date_from",
    "date_to",
    "actor",
    "action",
    "document",
    "outcome",
    "seq_from",
    "seq_to",
)


def filters_from(
    values: Mapping[str, str | None], *, strict: bool, known: Collection[str] = ()
) -> EventFilters:
    """EventFilters from raw strings named as FILTER_NAMES says (blank means not given).

    ``strict`` refuses any other name but ``known`` (the caller's own parameters, such as
    ``page``): a misspelt filter silently ignored would export far more than was asked.
    Errors are InvalidInput naming the field.
    """
    if strict:
        unknown = sorted(set(values) - set(FILTER_NAMES) - set(known))
        if unknown:
            raise InvalidInput(f"unknown parameter(s): {', '.join(unknown)}", field=unknown[0])
    given = {name: (values.get(name) or "").strip() or None for name in FILTER_NAMES}
    return EventFilters(
        stream=given["stream"],
        date_from=parse_moment(given["date_from"], "date_from"),
        date_to=parse_moment(given["date_to"], "date_to", end=True),
        actor=given["actor"],
        action=given["action"],
        document_id=positive_int(given["document"], "document"),
        outcome=given["outcome"],
        seq_from=positive_int(given["seq_from"], "seq_from", MAX_BIGINT),
        seq_to=positive_int(given["seq_to"], "seq_to", MAX_BIGINT),
    )


def iter_events(session: Session, filters: EventFilters) -> Iterator[dict[str, Any]]:
    """The matching events as event_dict gives them, fetched BATCH at a time (a server-side
    cursor on PostgreSQL), so millions of rows stream in flat memory: in chain order (seq)
    when filters name a stream, otherwise in the order they were recorded (id). Close the
    generator (``contextlib.closing``) when not reading it to the end."""
    column = AuditEvent.__table__.c
    query = (
        select(*_COLUMNS)
        .where(*filters.conditions())
        .order_by(column.id if filters.stream is None else column.seq)
        .execution_options(yield_per=BATCH)
    )
    result = session.execute(query)
    try:
        for row in result:
            yield event_dict(row)
    finally:
        # A reader that stops early (verification at the first break) closes the
        # generator: the server-side cursor must close then, not whenever it is collected.
        result.close()


def seq_bounds(session: Session, filters: EventFilters) -> tuple[int, int] | None:
    """First and last seq of the matching events, None when none match (meaningful for
    filters that name a stream)."""
    column = AuditEvent.__table__.c.seq
    low, high = session.execute(
        select(func.min(column), func.max(column)).where(*filters.conditions())
    ).one()
    return None if low is None else (low, high)


@dataclass(frozen=True)
class EventPage:
    total: int
    page: int
    size: int
    events: list[dict[str, Any]]


def search_events(
    session: Session, principal: Principal | None, filters: EventFilters, page: int, size: int
) -> EventPage:
    """One page of matching events, newest first; the consultation is audited (committed).
    Who may consult is the caller's decision (ged.services.audit: the audit.events rule;
    a document's history: whoever manages the document)."""
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise InvalidInput(f"size must be between 1 and {MAX_PAGE_SIZE}", field="size")
    conditions = filters.conditions()
    total = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions))
    rows = session.execute(
        select(*_COLUMNS)
        .where(*conditions)
        .order_by(AuditEvent.__table__.c.id.desc())
        .offset((page - 1) * size)
        .limit(size)
    )
    events = [event_dict(row) for row in rows]
    record(
        session,
        principal,
        "audit.events",
        details={"filters": filters.as_details(), "page": page, "size": size, "total": total},
    )
    session.commit()
    return EventPage(total=total or 0, page=page, size=size, events=events)
