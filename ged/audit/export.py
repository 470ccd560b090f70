"""Exports of the audit trail: CSV, JSON Lines, and verifiable bundles.

Every row carries its stream, seq, prev_hash and hash, and every other field exactly
as hashed, so anyone can recompute each row's hash and each stream's chain
(``ged audit verify --file``). A filtered export (by actor, action, document,
outcome) skips rows: each row still proves itself, but the file cannot show that
none is missing. Hence bundles are always an unbroken range of each stream's chain
(seq a to b, narrowed by stream, period or seq only), with the checkpoints from a-1
to b and the public key, so each range is verified from the prev_hash of its row a,
anchored when a is 1 or a checkpoint seals a-1, and up to the last checkpoint inside
it proven by signature; rows after that checkpoint are chained but not yet signed.

Bundle layout (zip, version 2): for each stream exported, <stream>-events.jsonl and
<stream>-checkpoints.jsonl, and <stream>-timestamps.jsonl when checkpoints are
time-stamped (one line per stamped checkpoint: its stream, seq and ts, the TSA's genTime
and URL, and the token, the TSA's DER answer in base64; ged.audit.tsa); public-key.pem
(when a key is configured); tsa-ca.pem (the CAs the TSA's certificate chains to, when
[audit] tsa_ca_file is set); and manifest.json written last with each stream's range
and the SHA-256 of each other file. The time-stamps came after version 2 and are
optional members, so that bundles made before them verify as they did, and kept the
version so that a ged of that time still verifies the chains of a newer bundle. A version 1 bundle (made before there were two streams) holds events.jsonl and
checkpoints.jsonl: the chain that became the lifecycle journal.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Generator, Iterable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import IO, Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from sqlalchemy.orm import Session

from ged.audit.chain import EVENT_FIELDS, format_ts
from ged.audit.query import EventFilters, iter_events, seq_bounds
from ged.audit.seal import all_checkpoints, key_id, public_key_pem
from ged.audit.timestamp import stamp_rows
from ged.audit.tsa import roots_id, roots_pem
from ged.errors import InvalidInput
from ged.models import LIFECYCLE, STREAMS

FORMATS = ("csv", "jsonl", "bundle")
MEDIA_TYPES = {"csv": "text/csv", "jsonl": "application/jsonl", "bundle": "application/zip"}
BUNDLE_FORMAT = "ged-audit-bundle"
BUNDLE_VERSION = 2
KEY_FILE, MANIFEST_FILE, TSA_CA_FILE = "public-key.pem", "manifest.json", "tsa-ca.pem"
#: the members of a version 1 bundle, whose one chain is the lifecycle journal's
V1_EVENTS_FILE, V1_CHECKPOINTS_FILE = "events.jsonl", "checkpoints.jsonl"

# Spreadsheets run a cell starting with one of these as a formula; such cells get a
# leading quote, and so does any cell already starting with one, so that reading
# back (drop one leading quote) gives exactly what was hashed.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "'")
_TEXT_COLUMNS = frozenset(EVENT_FIELDS) - {"stream", "seq", "ts", "details", "prev_hash", "hash"}
#: characters gathered before a streamed chunk is handed on
_CHUNK = 64 * 1024


def check_export(filters: EventFilters, fmt: str) -> None:
    """Refuse an export that could not be produced as asked, before it is recorded."""
    if fmt not in FORMATS:
        raise InvalidInput(f"format must be one of {', '.join(FORMATS)}, not {fmt!r}", "format")
    if fmt == "bundle" and not filters.selects_a_range:
        raise InvalidInput(
            "a bundle is an unbroken range of the chain: narrow it by stream, period or seq only "
            "(export CSV or JSON Lines to filter by actor, action, document or outcome)",
            field="format",
        )


# --- CSV and JSON Lines ------------------------------------------------------------------------


def jsonl_chunks(events: Iterable[dict[str, Any]]) -> Iterator[str]:
    return _batched(json.dumps(event, ensure_ascii=False) + "\n" for event in events)


def csv_chunks(events: Iterable[dict[str, Any]]) -> Iterator[str]:
    # The byte order mark makes spreadsheets read the file as UTF-8 (accents in names).
    return _batched(_csv_lines(events), first="\ufeff")


def _csv_lines(events: Iterable[dict[str, Any]]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(EVENT_FIELDS)
    for event in events:
        writer.writerow(_csv_cell(field, event[field]) for field in EVENT_FIELDS)
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()


def _csv_cell(field: str, value: Any) -> Any:
    if value is None:
        return ""
    if field == "details":
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if field in _TEXT_COLUMNS and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def read_jsonl(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    for line in lines:
        if line.strip():
            yield json.loads(line)


def read_csv(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Rows of a CSV export back as events (empty cells are null: ged stores no empty text).
    An export made before there were two streams has no stream column: its one chain is
    the lifecycle journal."""
    for row in csv.DictReader(lines):
        row.setdefault("stream", LIFECYCLE)
        event: dict[str, Any] = {}
        for field in EVENT_FIELDS:
            value = row[field]
            if field in _TEXT_COLUMNS and value.startswith("'"):
                value = value[1:]
            event[field] = value or None
        event["seq"] = int(event["seq"])
        event["details"] = json.loads(event["details"] or "{}")
        yield event


def _batched(pieces: Iterable[str], first: str = "") -> Iterator[str]:
    """Join small pieces into chunks of about _CHUNK characters: one write per row would
    make a million tiny writes to the socket or file."""
    gathered, size = [first], len(first)
    for piece in pieces:
        gathered.append(piece)
        size += len(piece)
        if size >= _CHUNK:
            yield "".join(gathered)
            gathered, size = [], 0
    yield "".join(gathered)


# --- bundles -----------------------------------------------------------------------------------


class _Sink(io.RawIOBase):
    """Where the zip is written: collects bytes until the stream takes them."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def take(self) -> bytes:
        taken = b"".join(self.parts)
        self.parts.clear()
        return taken


def events_file(stream: str) -> str:
    return f"{stream}-events.jsonl"


def checkpoints_file(stream: str) -> str:
    return f"{stream}-checkpoints.jsonl"


def timestamps_file(stream: str) -> str:
    return f"{stream}-timestamps.jsonl"


def stamp_line(row: dict[str, Any]) -> str:
    return json.dumps({**row, "token": base64.b64encode(row["token"]).decode("ascii")}) + "\n"


def read_stamp_lines(lines: Iterable[str]) -> list[dict[str, Any]]:
    return [{**row, "token": base64.b64decode(row["token"])} for row in read_jsonl(lines)]


def bundle_chunks(
    session: Session,
    filters: EventFilters,
    public_key: Ed25519PublicKey | None,
    tsa_roots: list[x509.Certificate] | None = None,
) -> Iterator[bytes]:
    """A bundle of the events filters selects (a range of each stream, or of the one it
    names), streamed as zip bytes, with the time-stamps of its checkpoints and
    ``tsa_roots``, the CAs that check them.

    The ranges are fixed before the first row, so events recorded meanwhile (the
    export's own among them) do not blur their ends.
    """
    streams = (filters.stream,) if filters.stream else STREAMS
    ranges = {stream: seq_bounds(session, replace(filters, stream=stream)) for stream in streams}
    sink = _Sink()
    sums: dict[str, str] = {}
    described: dict[str, dict[str, Any]] = {}
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED) as bundle:
        for stream, bounds in ranges.items():
            name = events_file(stream)
            if bounds is None:
                sums[name], count = _add(bundle, name, b""), 0
            else:
                sums[name], count = yield from _events_member(bundle, sink, session, stream, bounds)
            covering = [
                checkpoint
                for checkpoint in all_checkpoints(session, stream)
                if bounds is not None and bounds[0] - 1 <= checkpoint["seq"] <= bounds[1]
            ]
            lines = "".join(json.dumps(checkpoint) + "\n" for checkpoint in covering)
            name = checkpoints_file(stream)
            sums[name] = _add(bundle, name, lines.encode("utf-8"))
            sealed = {(checkpoint["seq"], checkpoint["ts"]) for checkpoint in covering}
            stamps = [
                row for row in stamp_rows(session, stream) if (row["seq"], row["ts"]) in sealed
            ]
            if stamps or tsa_roots:
                name = timestamps_file(stream)
                sums[name] = _add(bundle, name, "".join(map(stamp_line, stamps)).encode("utf-8"))
            described[stream] = {
                "first_seq": bounds[0] if bounds else None,
                "last_seq": bounds[1] if bounds else None,
                "events": count,
                "checkpoints": len(covering),
                "timestamps": len(stamps),
            }
        if public_key is not None:
            sums[KEY_FILE] = _add(bundle, KEY_FILE, public_key_pem(public_key))
        if tsa_roots:
            sums[TSA_CA_FILE] = _add(bundle, TSA_CA_FILE, roots_pem(tsa_roots))
        manifest = {
            "format": BUNDLE_FORMAT,
            "version": BUNDLE_VERSION,
            "created_at": format_ts(datetime.now(UTC)),
            "streams": described,
            "key_id": key_id(public_key) if public_key else None,
            "tsa_ca_id": roots_id(tsa_roots) if tsa_roots else None,
            "files": sums,
        }
        _add(bundle, MANIFEST_FILE, json.dumps(manifest, indent=2).encode("utf-8"))
    yield sink.take()


def _events_member(
    bundle: zipfile.ZipFile, sink: _Sink, session: Session, stream: str, bounds: tuple[int, int]
) -> Generator[bytes, None, tuple[str, int]]:
    """Write the range's events into the bundle, yielding the zip bytes as they come;
    returns the member's SHA-256 and how many events it holds."""
    range_filters = EventFilters(stream=stream, seq_from=bounds[0], seq_to=bounds[1])
    digest = hashlib.sha256()
    count = 0
    with bundle.open(events_file(stream), "w", force_zip64=True) as member:
        for chunk in jsonl_chunks(iter_events(session, range_filters)):
            data = chunk.encode("utf-8")
            digest.update(data)
            member.write(data)
            count += chunk.count("\n")  # one line per event: JSON escapes newlines
            if sink.parts:
                yield sink.take()
    return digest.hexdigest(), count


def _add(bundle: zipfile.ZipFile, name: str, data: bytes) -> str:
    bundle.writestr(name, data)
    return hashlib.sha256(data).hexdigest()


def read_bundle_manifest(bundle: zipfile.ZipFile) -> dict[str, Any]:
    try:
        manifest = json.loads(bundle.read(MANIFEST_FILE))
    except KeyError:
        raise InvalidInput(f"this zip has no {MANIFEST_FILE}: it is not an audit bundle") from None
    if manifest.get("format") != BUNDLE_FORMAT:
        raise InvalidInput("this zip is not a ged audit bundle")
    if manifest.get("version") not in (1, BUNDLE_VERSION):
        raise InvalidInput(f"this bundle is of version {manifest.get('version')!r}, unknown here")
    return manifest


@dataclass(frozen=True)
class BundledStream:
    """Where a bundle holds one stream's range, and the range its manifest says."""

    stream: str
    events: str
    checkpoints: str
    seq_range: tuple[int, int] | None
    #: its time-stamps' member, when the bundle has one
    timestamps: str | None = None


def bundled_streams(manifest: dict[str, Any]) -> list[BundledStream]:
    if manifest["version"] == 1:
        ranges = {LIFECYCLE: manifest}
        names = {LIFECYCLE: (V1_EVENTS_FILE, V1_CHECKPOINTS_FILE)}
    else:
        ranges = manifest["streams"]
        names = {stream: (events_file(stream), checkpoints_file(stream)) for stream in ranges}
    found = []
    for stream, extent in ranges.items():
        if stream not in STREAMS:
            raise InvalidInput(f"this bundle holds a stream ged does not know: {stream!r}")
        first, last = extent["first_seq"], extent["last_seq"]
        seq_range = None if first is None else (first, last)
        stamps = timestamps_file(stream)
        held = stamps if stamps in manifest.get("files", {}) else None
        found.append(BundledStream(stream, *names[stream], seq_range, held))
    return found


def file_sha256(stream: IO[bytes]) -> str:
    digest = hashlib.sha256()
    for block in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(block)
    return digest.hexdigest()
