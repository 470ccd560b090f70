"""The audit trail: events, exports and verification."""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

from pydantic import Field

from ged.audit.query import MAX_PAGE_SIZE
from ged.parsing import MAX_BIGINT
from ged.web.api.schemas.common import Id, Input, IsoDate, IsoMoment, Output, Paged, Timestamp

_MOMENT = "YYYY-MM-DD (whole days) or an ISO 8601 time; UTC"
_SEQ = "a sequence number, counted within each stream"
Stream = Literal["lifecycle", "access"]
Reason = Literal[
    "altered",
    "missing",
    "reordered",
    "truncated",
    "bad signature",
    "bad time-stamp",
    "not time-stamped",
]


class EventFilterQuery(Input):
    stream: Stream | None = Field(
        None,
        description="access: the access log (reads, searches, logins), purged after "
        "[audit] access_retention_days; lifecycle: the lifecycle journal, kept. Default: both",
    )
    date_from: IsoMoment | IsoDate | None = Field(None, description=_MOMENT)
    date_to: IsoMoment | IsoDate | None = Field(None, description=_MOMENT + "; inclusive")
    actor: str | None = Field(None, max_length=150, description="user name")
    action: str | None = Field(None, max_length=64, examples=["document.download"])
    document: Id | None = Field(None, description="a document id")
    outcome: Literal["allowed", "denied"] | None = None
    seq_from: int | None = Field(None, ge=1, le=MAX_BIGINT, description=_SEQ)
    seq_to: int | None = Field(None, ge=1, le=MAX_BIGINT, description=_SEQ)

    def raw(self) -> dict[str, str]:
        """As text, the way the audit filters are parsed for the UI and the CLI too."""
        given = self.model_dump(include=set(EventFilterQuery.model_fields), exclude_none=True)
        return {
            name: value.isoformat() if isinstance(value, date) else str(value)
            for name, value in given.items()
        }


class EventQuery(EventFilterQuery):
    page: int = Field(1, ge=1, le=10_000_000)
    size: int = Field(50, ge=1, le=MAX_PAGE_SIZE)


class ExportQuery(EventFilterQuery):
    format: Literal["csv", "jsonl", "bundle"] = Field(
        description="bundle: a zip that `ged audit verify --file` checks offline (an unbroken "
        "range of each stream's chain, so filtered by stream, period or seq only)"
    )


class Event(Output):
    stream: Stream = Field(description="the chain the event belongs to")
    seq: int = Field(description="its place in its stream's chain")
    ts: Timestamp
    actor: str | None
    actor_token: str | None
    action: str
    object_type: str | None
    object_id: str | None
    outcome: Literal["allowed", "denied"]
    ip: str | None
    user_agent: str | None
    details: dict[str, Any]
    prev_hash: str
    hash: str


class EventPage(Paged):
    events: list[Event]


class _Verified(Output):
    ok: bool
    checked: int = Field(description="events checked before the first break (all when ok)")
    first_broken_seq: int | None
    reason: Reason | None
    detail: str
    first_seq: int | None
    last_seq: int | None
    checkpoints_checked: int
    sealed_seq: int | None = Field(description="the last event a verified checkpoint covers")
    key_id: str | None = Field(description="the key checkpoints were checked with")
    timestamps_checked: int = Field(description="checkpoints whose RFC 3161 time-stamp holds")
    unstamped: int = Field(
        description="checkpoints with no time-stamp yet (the TSA was down, or none is set): "
        "the alert to watch when [audit] tsa_url is set"
    )
    unstamped_since: str | None = Field(
        description="when the oldest checkpoint without a time-stamp was sealed"
    )
    tsa_ca_id: str | None = Field(description="fingerprint of the TSA CAs trusted")


class StreamVerification(_Verified):
    stream: Stream


class Verification(_Verified):
    stream: Stream | None = Field(
        description="the stream that broke (its seq numbers above); null when both hold, "
        "whose ranges are then in streams"
    )
    streams: dict[Stream, StreamVerification] = Field(description="each stream's own result")
