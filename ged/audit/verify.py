"""Verification of the audit chains: in the database (or, by ged.audit.offline, in an export).

Each stream (the access log, the lifecycle journal) is a chain of its own, verified
with its own checkpoints; the answer sums both up and holds each one's (``streams``).
One streaming pass per stream (millions of rows in flat memory; checkpoints, one an
hour at most, are held). What each failure means, reported with the stream and the
first seq it breaks:

- altered: an event no longer matches its hash (a field was changed, its stream
  included), or a run of events was rewritten and re-hashed since a checkpoint signed
  its end, or a checkpoint of one stream is given as the other's;
- missing: an event is absent (a gap, or the start cut without a purge checkpoint);
- reordered: events were swapped (the real event N is found further on);
- truncated: the chain stops before a checkpoint that sealed a later event;
- bad signature: a checkpoint is not signed by the audit key;
- bad time-stamp: a checkpoint's RFC 3161 time-stamp does not hold (ged.audit.tsa: not
  signed by a TSA the trusted CA vouches for, over another hash, or dated before it);
- not time-stamped: a checkpoint has no time-stamp, when they are required.

Checkpoints still waiting for their time-stamp (the TSA was down) are not a failure:
the result counts them (``unstamped``, ``unstamped_since``), which is the alert.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import dataclass, fields, replace
from datetime import UTC, datetime
from itertools import chain
from typing import Any, Literal

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from ged.audit.chain import GENESIS, event_hash
from ged.audit.query import EventFilters, iter_events
from ged.audit.seal import all_checkpoints, key_id, load_public_key, signature_valid
from ged.audit.streams import STREAM_NAMES
from ged.audit.timestamp import stamp_rows
from ged.audit.tsa import StampCheck, check_stamps, load_roots, stamp_fields, tokens_by_checkpoint
from ged.config import Settings
from ged.models import ACCESS, LIFECYCLE, STREAMS

Reason = Literal[
    "altered", "missing", "reordered", "truncated", "bad signature", "bad time-stamp",
    "not time-stamped",
]  # fmt: skip
Event = Mapping[str, Any]


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    #: events whose hash and link were checked before the first break (all of them when ok)
    checked: int
    first_broken_seq: int | None
    reason: Reason | None
    detail: str
    first_seq: int | None = None
    last_seq: int | None = None
    checkpoints_checked: int = 0
    #: the last event a verified checkpoint covers: later ones are chained but not yet signed
    sealed_seq: int | None = None
    #: the key signatures were checked with; None: checkpoints are not configured
    key_id: str | None = None
    #: checkpoints whose time-stamp was verified, those without one (and when the oldest
    #: of them was sealed), and the fingerprint of the TSA CAs trusted (ged.audit.tsa)
    timestamps_checked: int = 0
    unstamped: int = 0
    unstamped_since: str | None = None
    tsa_ca_id: str | None = None
    #: the stream this is about; None: both, summed up from ``streams``
    stream: str | None = None
    #: each stream's own result, when this one sums them up
    streams: tuple[VerifyResult, ...] = ()

    def of(self, stream: str) -> VerifyResult:
        """One stream's own result."""
        return next(result for result in self.streams if result.stream == stream)

    def as_dict(self) -> dict[str, Any]:
        values = {field.name: getattr(self, field.name) for field in fields(self)}
        del values["streams"]
        if self.streams:
            values["streams"] = {result.stream: result.as_dict() for result in self.streams}
        return values


def combine(results: Iterable[VerifyResult]) -> VerifyResult:
    """Both streams' results as one: the first broken one's, else what they checked together."""
    results = tuple(results)
    for result in results:
        if not result.ok:
            name = STREAM_NAMES[result.stream or LIFECYCLE]
            return replace(result, detail=f"{name}: {result.detail}", streams=results)
    return VerifyResult(
        ok=True,
        checked=sum(result.checked for result in results),
        first_broken_seq=None,
        reason=None,
        detail="; ".join(
            f"{STREAM_NAMES[result.stream or LIFECYCLE]}: {result.detail}" for result in results
        ),
        checkpoints_checked=sum(result.checkpoints_checked for result in results),
        key_id=results[0].key_id if results else None,
        timestamps_checked=sum(result.timestamps_checked for result in results),
        unstamped=sum(result.unstamped for result in results),
        unstamped_since=min(
            (result.unstamped_since for result in results if result.unstamped_since), default=None
        ),
        tsa_ca_id=results[0].tsa_ca_id if results else None,
        streams=results,
    )


def with_stamps(
    result: VerifyResult,
    stamps: StampCheck,
    roots: list[x509.Certificate] | None,
    *,
    in_use: bool,
    required: bool = False,
) -> VerifyResult:
    """One stream's result with its checkpoints' time-stamps checked (ged.audit.tsa.stamp_fields)."""
    if not result.ok:
        return result
    return replace(
        result, **stamp_fields(result.detail, stamps, roots, in_use=in_use, required=required)
    )


def verify_chain(
    events: Iterable[Event],
    checkpoints: Iterable[Event],
    public_key: Ed25519PublicKey | None,
    *,
    complete: bool = True,
    seq_range: tuple[int, int] | None = None,
    stream: str = LIFECYCLE,
) -> VerifyResult:
    """Check ``events`` of one ``stream`` (in the order given, which must be seq order)
    against their hashes, their links and ``checkpoints`` (which must all be of that stream).

    The events must reach every checkpoint given: pass only those they should cover.
    ``complete``: the events are the whole retained log, so it must start at event 1 or
    right after a checkpoint (a purge seals the last event it removes). Otherwise they
    are an exported range whose first prev_hash is taken as given (anchored when a
    checkpoint seals the event before); ``seq_range``, when known, says where it must
    start and end.
    """
    return _Verifier(checkpoints, public_key, complete, seq_range, stream).run(iter(events))


class _Verifier:
    def __init__(
        self,
        checkpoints: Iterable[Event],
        public_key: Ed25519PublicKey | None,
        complete: bool,
        seq_range: tuple[int, int] | None,
        stream: str,
    ) -> None:
        self.stream = stream
        self.checkpoints = sorted(checkpoints, key=lambda checkpoint: checkpoint["seq"])
        self.public_key = public_key
        self.key_id = key_id(public_key) if public_key else None
        self.complete = complete
        self.seq_range = seq_range
        self.checked = 0
        self.checkpoints_checked = 0
        self.first_seq: int | None = None
        self.last_seq: int | None = None
        self.sealed_seq: int | None = None
        #: checkpoints not reached yet, and the last event one of them proved
        self.ahead: deque[Event] = deque()
        self.proven = 0

    def run(self, rows: Iterator[Event]) -> VerifyResult:
        forged = self._forged_checkpoint()
        if forged is not None:
            return forged
        first = next(rows, None)
        if first is None:
            if self.complete and self.stream == ACCESS and self.checkpoints:
                # A purge removed every event of the access log: the chain goes on after
                # the checkpoint it sealed. (The lifecycle journal is never purged.)
                self.sealed_seq = self.checkpoints[-1]["seq"]
                self.checkpoints_checked = len(self.checkpoints)
                self.checkpoints = []
            return self._end()
        self.first_seq = first["seq"]
        running, problem = self._start(first)
        if problem is not None:
            return problem
        self.ahead = deque(cp for cp in self.checkpoints if cp["seq"] >= first["seq"])
        # Where the last proof ended: a rewrite found at a checkpoint happened after it.
        self.proven = first["seq"] - 1
        rows = chain([first], rows)
        for row in rows:
            problem = self._link(row, running, rows) or self._reach_checkpoints(row)
            if problem is not None:
                return problem
            running = row["hash"]
        return self._end()

    def _link(self, row: Event, running: str, rows: Iterator[Event]) -> VerifyResult | None:
        """Check that ``row`` is the next event, intact and chained to ``running``."""
        seq = row["seq"]
        expected = self.first_seq if self.last_seq is None else self.last_seq + 1
        if seq != expected:
            moved = self._find_moved(rows, expected, running)
            if moved is not None or seq < expected:
                return self._reordered(expected, moved)
            return self._broken("missing", expected, f"events {expected} to {seq - 1} are missing")
        if event_hash(row) != row["hash"]:
            if row["prev_hash"] != running:
                moved = self._find_moved(rows, expected, running)
                if moved is not None:
                    return self._reordered(expected, moved)
            return self._broken(
                "altered", seq, f"event {seq} does not match its hash: it was changed"
            )
        if row["prev_hash"] != running:
            # The row holds together but does not link to its predecessor: the one
            # before was rewritten and re-hashed (the first row only has itself to blame).
            broken = seq - 1 if seq > self.first_seq else seq
            return self._broken(
                "altered",
                broken,
                f"event {broken} is not the one event {seq} was chained to: it was rewritten",
            )
        self.checked += 1
        self.last_seq = seq
        return None

    def _reach_checkpoints(self, row: Event) -> VerifyResult | None:
        """Check the checkpoints sealed over ``row`` against the hash the chain gives it."""
        seq = row["seq"]
        while self.ahead and self.ahead[0]["seq"] == seq:
            checkpoint = self.ahead.popleft()
            if checkpoint["head_hash"] != row["hash"]:
                return self._broken(
                    "altered",
                    self.proven + 1,
                    f"the checkpoint sealed at {checkpoint['ts']} signed hash "
                    f"{checkpoint['head_hash']} for event {seq}, the chain now gives "
                    f"{row['hash']}: events {self.proven + 1} to {seq} were rewritten since",
                )
            self.proven = seq
            self.checkpoints_checked += 1
            self.sealed_seq = seq
        return None

    def _forged_checkpoint(self) -> VerifyResult | None:
        for checkpoint in self.checkpoints:
            if checkpoint.get("stream", LIFECYCLE) != self.stream:
                return self._broken(
                    "altered",
                    checkpoint["seq"],
                    f"the checkpoint sealed at {checkpoint['ts']} over event {checkpoint['seq']} "
                    f"seals the {STREAM_NAMES.get(checkpoint['stream'], checkpoint['stream'])}, "
                    f"not the {STREAM_NAMES[self.stream]}",
                )
        if self.public_key is None:
            return None
        for checkpoint in self.checkpoints:
            if not signature_valid(checkpoint, self.public_key):
                return self._broken(
                    "bad signature",
                    checkpoint["seq"],
                    f"the checkpoint sealed at {checkpoint['ts']} over event {checkpoint['seq']} "
                    f"is not signed by key {self.key_id} (it names key {checkpoint['key_id']})",
                )
        return None

    def _start(self, first: Event) -> tuple[str, VerifyResult | None]:
        """The hash the first row must link to, or why the start cannot be trusted."""
        seq = first["seq"]
        if self.seq_range is not None and seq != self.seq_range[0]:
            return "", self._broken(
                "missing",
                self.seq_range[0],
                f"the export should start at event {self.seq_range[0]}, not {seq}",
            )
        if seq == 1:
            return GENESIS, None
        anchor = [cp for cp in self.checkpoints if cp["seq"] == seq - 1]
        if anchor and all(cp["head_hash"] == first["prev_hash"] for cp in anchor):
            self.checkpoints_checked += len(anchor)
            self.sealed_seq = seq - 1
            return first["prev_hash"], None
        if anchor:
            return "", self._broken(
                "altered",
                seq,
                f"event {seq} is not chained to the event a checkpoint sealed before it",
            )
        if not self.complete:
            return first["prev_hash"], None
        # Purges seal the last event they remove; a start without that seal was cut.
        sealed_before = max((cp["seq"] for cp in self.checkpoints if cp["seq"] < seq), default=0)
        return "", self._broken(
            "missing",
            sealed_before + 1,
            f"the chain starts at event {seq} and no checkpoint seals event {seq - 1}: "
            f"events {sealed_before + 1} to {seq - 1} were removed outside a purge",
        )

    @staticmethod
    def _find_moved(rows: Iterator[Event], seq: int, prev_hash: str) -> int | None:
        """Where the real event ``seq`` went, if it is further on: the row linked to
        ``prev_hash`` whose hash holds once it is numbered ``seq`` again."""
        for row in rows:
            if row["prev_hash"] == prev_hash and event_hash({**row, "seq": seq}) == row["hash"]:
                return row["seq"]
        return None

    def _reordered(self, seq: int, found_at: int | None) -> VerifyResult:
        if found_at is None:
            where = "a later event comes before it"
        elif found_at == seq:
            where = "it comes later than it should"
        else:
            where = f"it now sits at seq {found_at}"
        return self._broken("reordered", seq, f"event {seq} is out of place: {where}")

    def _end(self) -> VerifyResult:
        last = self.last_seq or 0
        beyond = [cp for cp in self.checkpoints if cp["seq"] > last]
        if beyond:
            cut = beyond[-1]
            return self._broken(
                "truncated",
                last + 1,
                f"the chain ends at event {last} but the checkpoint sealed at {cut['ts']} "
                f"covers events up to {cut['seq']}: the end of the log was cut",
            )
        if self.seq_range is not None and last != self.seq_range[1]:
            return self._broken(
                "truncated",
                last + 1,
                f"the export should end at event {self.seq_range[1]}, not {last}",
            )
        return VerifyResult(
            ok=True,
            checked=self.checked,
            first_broken_seq=None,
            reason=None,
            detail=self._summary(),
            **self._extent(),
        )

    def _summary(self) -> str:
        if self.first_seq is None:
            said = "no events"
            if self.sealed_seq is not None:
                said += f" after event {self.sealed_seq}, purged under a checkpoint"
        else:
            said = f"{self.checked} events, {self.first_seq} to {self.last_seq}, are intact"
        if self.key_id is None:
            return (
                f"{said}; checkpoints are not configured (no audit public key; see "
                "`ged audit keygen`): a cut end of the log could not be detected"
            )
        said += f"; {self.checkpoints_checked} checkpoints signed by key {self.key_id} hold"
        if self.first_seq is not None and self.sealed_seq != self.last_seq:
            after = self.sealed_seq or self.first_seq - 1
            said += f"; events after {after} are chained but not yet sealed by a checkpoint"
        return said

    def _broken(self, reason: Reason, seq: int, detail: str) -> VerifyResult:
        return VerifyResult(
            ok=False,
            checked=self.checked,
            first_broken_seq=seq,
            reason=reason,
            detail=detail,
            **self._extent(),
        )

    def _extent(self) -> dict[str, Any]:
        return {
            "first_seq": self.first_seq,
            "last_seq": self.last_seq,
            "checkpoints_checked": self.checkpoints_checked,
            "sealed_seq": self.sealed_seq,
            "key_id": self.key_id,
            "stream": self.stream,
        }


def verify_database(session: Session, settings: Settings, required: bool = False) -> VerifyResult:
    """Both streams' chains, checkpoints and time-stamps, as stored (``required``: a
    checkpoint without a time-stamp fails it)."""
    public_key = load_public_key(settings.audit.key_file)
    ca_file = settings.audit.tsa_ca_file
    roots = load_roots(ca_file) if ca_file is not None else None
    results = []
    for stream in STREAMS:
        result = _verify_stored(session, stream, public_key)
        # Tokens first: every checkpoint they name is then among those read after them.
        stamped = stamp_rows(session, stream)
        stamps = check_stamps(
            all_checkpoints(session, stream),
            tokens_by_checkpoint(stamped),
            roots,
            datetime.now(UTC),
        )
        in_use = bool(settings.audit.tsa_url or stamped)
        results.append(with_stamps(result, stamps, roots, in_use=in_use, required=required))
    return combine(results)


def _verify_stored(
    session: Session, stream: str, public_key: Ed25519PublicKey | None
) -> VerifyResult:
    # Checkpoints are read before the events, so that none can name an event recorded
    # after the events were read (which would look like a cut end).
    checkpoints = all_checkpoints(session, stream)
    with closing(iter_events(session, EventFilters(stream=stream))) as events:
        first = next(events, None)
        known = {checkpoint["seq"] for checkpoint in checkpoints}
        if first is not None and first["seq"] - 1 not in known:
            # A purge committed between the two reads: the checkpoint it sealed, in the
            # same transaction as its deletions, is visible now.
            checkpoints += [
                cp for cp in all_checkpoints(session, stream) if cp["seq"] == first["seq"] - 1
            ]
        rows = chain([first], events) if first is not None else events
        return verify_chain(rows, checkpoints, public_key, stream=stream)
