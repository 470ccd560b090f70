"""Verification of an export offline (``ged audit verify --file``): a bundle, CSV or JSON Lines.

Nothing from the server is used: the file against itself, and against a public key
when one is trusted. Each stream the file holds is verified as a chain of its own
(ged.audit.verify), and the answer sums them up.
"""

from __future__ import annotations

import io
import zipfile
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ged.audit.certificate import is_certificate, verify_certificate
from ged.audit.export import (
    KEY_FILE,
    TSA_CA_FILE,
    BundledStream,
    bundled_streams,
    file_sha256,
    read_bundle_manifest,
    read_csv,
    read_jsonl,
    read_stamp_lines,
)
from ged.audit.seal import read_public_key
from ged.audit.tsa import check_stamps, read_roots, tokens_by_checkpoint
from ged.audit.verify import Reason, VerifyResult, combine, verify_chain, with_stamps
from ged.errors import InvalidInput
from ged.models import LIFECYCLE, STREAMS


def verify_file(
    path: Path,
    public_key: Ed25519PublicKey | None = None,
    tsa_roots: list[x509.Certificate] | None = None,
    require_timestamps: bool = False,
) -> VerifyResult:
    """Verify an export offline, each stream it holds: a bundle (.zip), or a JSON Lines or
    CSV export (chains only: no checkpoints travel with those), or a disposal certificate
    (ged.audit.certificate). ``public_key``, when given, is trusted instead of the file's
    own (which only proves the file agrees with itself), and so are ``tsa_roots`` instead
    of the bundle's tsa-ca.pem for its checkpoints' time-stamps; ``require_timestamps``:
    a bundle's checkpoint without one fails it."""
    if is_certificate(path):
        ok, detail, found_key = verify_certificate(path.read_bytes(), public_key)
        reason: Reason | None = None if ok else "altered"
        return VerifyResult(
            ok=ok, checked=0, first_broken_seq=None, reason=reason, detail=detail, key_id=found_key
        )
    try:
        if zipfile.is_zipfile(path):
            return _verify_bundle(path, public_key, tsa_roots, require_timestamps)
        return combine(_verify_lines(path, stream) for stream in STREAMS)
    except (KeyError, ValueError, TypeError, zipfile.BadZipFile) as exc:
        # Whatever a damaged or foreign file trips over, said in one line.
        raise InvalidInput(f"{path.name} cannot be read as an audit export: {exc!r}") from None


def _verify_lines(path: Path, stream: str) -> VerifyResult:
    """One stream's chain in a CSV or JSON Lines export: one pass over the file per stream,
    since the streams are interleaved in it."""
    with path.open(encoding="utf-8-sig", newline="") as lines:
        rows = read_csv(lines) if path.suffix.lower() == ".csv" else read_jsonl(lines)
        mine = (row for row in rows if _checked_with(row, stream))
        return verify_chain(mine, [], None, complete=False, stream=stream)


def _checked_with(row: dict, stream: str) -> bool:
    """Whether a row is checked in ``stream``'s pass: its own, and (where it cannot fit)
    a row whose stream was changed into no known one, since nothing tells which lost it."""
    found = row.get("stream", LIFECYCLE)
    return found == stream or found not in STREAMS


def _verify_bundle(
    path: Path,
    public_key: Ed25519PublicKey | None,
    tsa_roots: list[x509.Certificate] | None,
    required: bool,
) -> VerifyResult:
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
        if tsa_roots is None and TSA_CA_FILE in manifest["files"]:
            tsa_roots = read_roots(bundle.read(TSA_CA_FILE), f"{path.name}:{TSA_CA_FILE}")
        results = []
        for held in bundled_streams(manifest):
            lines = bundle.read(held.checkpoints).decode("utf-8").splitlines()
            checkpoints = list(read_jsonl(lines))
            with bundle.open(held.events) as member:
                result = verify_chain(
                    read_jsonl(io.TextIOWrapper(member, encoding="utf-8")),
                    checkpoints,
                    public_key,
                    complete=False,
                    seq_range=held.seq_range,
                    stream=held.stream,
                )
            stamps = _stamps(bundle, held)
            checked = check_stamps(
                checkpoints, tokens_by_checkpoint(stamps), tsa_roots, datetime.now(UTC)
            )
            in_use = held.timestamps is not None
            results.append(
                with_stamps(result, checked, tsa_roots, in_use=in_use, required=required)
            )
        return combine(results)


def _stamps(bundle: zipfile.ZipFile, held: BundledStream) -> list[dict[str, Any]]:
    if held.timestamps is None:
        return []
    stamps = read_stamp_lines(bundle.read(held.timestamps).decode("utf-8").splitlines())
    for stamp in stamps:
        if stamp.get("stream", LIFECYCLE) != held.stream:
            raise InvalidInput(f"{held.timestamps} holds a time-stamp of another stream")
    return stamps


def _file_problem(reason: Reason, detail: str) -> VerifyResult:
    return VerifyResult(ok=False, checked=0, first_broken_seq=None, reason=reason, detail=detail)


@dataclass(frozen=True)
class ProvenPoint:
    """An event a bundle vouches for: its stream, seq and hash, and what says so."""

    stream: str
    seq: int
    hash: str
    source: str


def proven_points(path: Path) -> list[ProvenPoint]:
    """The last event of each stream a bundle holds and the events its checkpoints seal:
    a database that holds each of them with the same hash (and whose chain holds) holds
    everything the bundle proves (ged.services.backups compares them). Verify the bundle
    first (verify_file): this only reads it."""
    points = []
    with zipfile.ZipFile(path) as bundle:
        for held in bundled_streams(read_bundle_manifest(bundle)):
            lines = bundle.read(held.checkpoints).decode("utf-8").splitlines()
            for checkpoint in read_jsonl(lines):
                if checkpoint["seq"] > 0:
                    sealed = f"the checkpoint sealed at {checkpoint['ts']}"
                    points.append(
                        ProvenPoint(held.stream, checkpoint["seq"], checkpoint["head_hash"], sealed)
                    )
            with bundle.open(held.events) as member:
                rows = read_jsonl(io.TextIOWrapper(member, encoding="utf-8"))
                last = deque(rows, maxlen=1).pop() if held.seq_range else None
            if last is not None:
                points.append(ProvenPoint(held.stream, last["seq"], last["hash"], "its last event"))
    return points
