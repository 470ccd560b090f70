"""Verification of the audit chain: in the database, or offline from an export or a bundle.

One streaming pass (millions of rows in flat memory; checkpoints, one an hour at
most, are held). What each failure means, reported with the first seq it breaks:

- altered: an event no longer matches its hash (a field was changed), or a run of
  events was rewritten and re-hashed since a checkpoint signed its end;
- missing: an event is absent (a gap, or the start cut without a purge checkpoint);
- reordered: events were swapped (the real event N is found further on);
- truncated: the chain stops before a checkpoint that sealed a later event;
- bad signature: a checkpoint is not signed by the audit key.
"""

from __future__ import annotations

import io
import zipfile
from collections import deque
from collections.abc import Iterable, Iterator, Mapping
from contextlib import closing
from dataclasses import asdict, dataclass
from itertools import chain
from pathlib import Path
from typing import Any, Literal

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from ged.audit.certificate import is_certificate, verify_certificate
from ged.audit.chain import GENESIS, event_hash
from ged.audit.export import (
    CHECKPOINTS_FILE,
    EVENTS_FILE,
    KEY_FILE,
    file_sha256,
    read_bundle_manifest,
    read_csv,
    read_jsonl,
)
from ged.audit.query import EventFilters, iter_events
from ged.audit.seal import (
    all_checkpoints,
    key_id,
    load_public_key,
    read_public_key,
    signature_valid,
)
from ged.config import Settings
from ged.errors import InvalidInput

Reason = Literal["altered", "missing", "reordered", "truncated", "bad signature"]
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

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def verify_chain(
    events: Iterable[Event],
    checkpoints: Iterable[Event],
    public_key: Ed25519PublicKey | None,
    *,
    complete: bool = True,
    seq_range: tuple[int, int] | None = None,
) -> VerifyResult:
    """Check ``events`` (in the order given, which must be seq order) against their hashes,
    their links and ``checkpoints``.

    The events must reach every checkpoint given: pass only those they should cover.
    ``complete``: the events are the whole retained log, so it must start at event 1 or
    right after a checkpoint (a purge seals the last event it removes). Otherwise they
    are an exported range whose first prev_hash is taken as given (anchored when a
    checkpoint seals the event before); ``seq_range``, when known, says where it must
    start and end.
    """
    return _Verifier(checkpoints, public_key, complete, seq_range).run(iter(events))


class _Verifier:
    def __init__(
        self,
        checkpoints: Iterable[Event],
        public_key: Ed25519PublicKey | None,
        complete: bool,
        seq_range: tuple[int, int] | None,
    ) -> None:
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
        }


def verify_database(session: Session, settings: Settings) -> VerifyResult:
    # Checkpoints are read before the events, so that none can name an event recorded
    # after the events were read (which would look like a cut end).
    checkpoints = all_checkpoints(session)
    with closing(iter_events(session, EventFilters())) as events:
        first = next(events, None)
        known = {checkpoint["seq"] for checkpoint in checkpoints}
        if first is not None and first["seq"] - 1 not in known:
            # A purge committed between the two reads: the checkpoint it sealed, in the
            # same transaction as its deletions, is visible now.
            checkpoints += [cp for cp in all_checkpoints(session) if cp["seq"] == first["seq"] - 1]
        rows = chain([first], events) if first is not None else events
        return verify_chain(rows, checkpoints, load_public_key(settings.audit.key_file))


def verify_file(path: Path, public_key: Ed25519PublicKey | None = None) -> VerifyResult:
    """Verify an export offline: a bundle (.zip), or a JSON Lines or CSV export (chain only:
    no checkpoints travel with those), or a disposal certificate (ged.audit.certificate).
    ``public_key``, when given, is trusted instead of the file's own (which only proves
    the file agrees with itself)."""
    if is_certificate(path):
        ok, detail, found_key = verify_certificate(path.read_bytes(), public_key)
        reason: Reason | None = None if ok else "altered"
        return VerifyResult(
            ok=ok, checked=0, first_broken_seq=None, reason=reason, detail=detail, key_id=found_key
        )
    try:
        if zipfile.is_zipfile(path):
            return _verify_bundle(path, public_key)
        with path.open(encoding="utf-8-sig", newline="") as lines:
            rows = read_csv(lines) if path.suffix.lower() == ".csv" else read_jsonl(lines)
            return verify_chain(rows, [], None, complete=False)
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
        # Whatever a damaged or foreign file trips over, said in one line.
        raise InvalidInput(f"{path.name} cannot be read as an audit export: {exc!r}") from None


def _verify_bundle(path: Path, public_key: Ed25519PublicKey | None) -> VerifyResult:
    with zipfile.ZipFile(path) as bundle:
        manifest = read_bundle_manifest(bundle)
        for name, expected in manifest["files"].items():
            try:
                with bundle.open(name) as member:
                    actual = file_sha256(member)
            except KeyError:
                return _file_problem("missing", f"{name} is listed in manifest.json but absent")
            if actual != expected:
                return _file_problem(
                    "altered", f"{name} does not match its SHA-256 in manifest.json"
                )
        if public_key is None and KEY_FILE in bundle.namelist():
            public_key = read_public_key(bundle.read(KEY_FILE))
        checkpoints = list(read_jsonl(bundle.read(CHECKPOINTS_FILE).decode("utf-8").splitlines()))
        seq_range = None
        if manifest["first_seq"] is not None:
            seq_range = (manifest["first_seq"], manifest["last_seq"])
        with bundle.open(EVENTS_FILE) as member:
            lines = io.TextIOWrapper(member, encoding="utf-8")
            return verify_chain(
                read_jsonl(lines), checkpoints, public_key, complete=False, seq_range=seq_range
            )


def _file_problem(reason: Reason, detail: str) -> VerifyResult:
    return VerifyResult(ok=False, checked=0, first_broken_seq=None, reason=reason, detail=detail)
