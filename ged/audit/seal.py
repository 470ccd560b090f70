"""Checkpoints: the head of the audit chain signed with an Ed25519 key kept outside the database.

A hash chain shows any change inside it, but not that its end was cut off, nor
that someone able to write the database rewrote it and recomputed every hash.
A checkpoint signs the head of one stream's chain, (seq, head_hash, ts), and names
the stream unless it is the lifecycle journal's (whose checkpoints keep the format
they had before there were two streams, see ged.audit.streams); verification
(ged.audit.verify) checks each signature and that the chain still reaches each
checkpoint with that hash.
The private key lives in a file (``[audit] key_file``, made by ``ged audit keygen``)
that database access alone does not give; the public key next to it
(``<key_file>.pub``) is all a verifier needs, and is shipped in export bundles.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from sqlalchemy import select
from sqlalchemy.orm import Session

from ged.audit.chain import canonical_json, format_ts, head
from ged.config import Settings
from ged.errors import Conflict, GedError, InvalidInput
from ged.models import LIFECYCLE, STREAMS, AuditCheckpoint, AuditTimestamp
from ged.timeutil import aware

log = logging.getLogger(__name__)

# Prefixed so that a checkpoint signature can never be mistaken for a signature of anything
# else; v2 names its stream.
_MESSAGE_PREFIX = b"ged audit checkpoint v1\n"
_STREAM_MESSAGE_PREFIX = b"ged audit checkpoint v2\n"


class SigningKeyMissing(GedError):
    def __init__(self, key_file: Path) -> None:
        super().__init__(
            f"the audit signing key {key_file} does not exist: create it with `ged audit keygen` "
            "(or set [audit] key_file)"
        )


def public_key_file(key_file: Path) -> Path:
    return key_file.with_name(key_file.name + ".pub")


def generate_key(key_file: Path) -> Ed25519PublicKey:
    """Write a new private key (mode 0600) and its public key; never overwrite either,
    since the checkpoints already sealed could no longer be verified."""
    public_file = public_key_file(key_file)
    for path in (key_file, public_file):
        if path.exists():
            raise Conflict(f"{path} already exists: ged never replaces an audit signing key")
    key_file.parent.mkdir(parents=True, exist_ok=True)
    private_key = Ed25519PrivateKey.generate()
    pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    # Created 0600 from the start: a chmod after writing would leave a window.
    descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(pem)
    public_file.write_bytes(public_key_pem(private_key.public_key()))
    return private_key.public_key()


def load_private_key(key_file: Path) -> Ed25519PrivateKey | None:
    try:
        pem = key_file.read_bytes()
    except FileNotFoundError:
        return None
    key = serialization.load_pem_private_key(pem, password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise InvalidInput(f"{key_file} is not an Ed25519 private key", field="audit.key_file")
    return key


def load_public_key(key_file: Path) -> Ed25519PublicKey | None:
    """The public key beside key_file, else the one derived from key_file; None without both."""
    try:
        return read_public_key(public_key_file(key_file).read_bytes())
    except FileNotFoundError:
        private_key = load_private_key(key_file)
        return private_key.public_key() if private_key else None


def read_public_key(pem: bytes) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(pem)
    except ValueError:
        raise InvalidInput("the public key is not a PEM public key") from None
    if not isinstance(key, Ed25519PublicKey):
        raise InvalidInput("the public key is not an Ed25519 key")
    return key


def public_key_pem(key: Ed25519PublicKey) -> bytes:
    return key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def key_id(key: Ed25519PublicKey) -> str:
    """A short fingerprint to compare keys by eye, as checkpoints and verify reports show it."""
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()[:16]


def checkpoint_message(seq: int, head_hash: str, ts: str, stream: str = LIFECYCLE) -> bytes:
    sealed = {"seq": seq, "head_hash": head_hash, "ts": ts}
    if stream == LIFECYCLE:
        return _MESSAGE_PREFIX + canonical_json(sealed)
    return _STREAM_MESSAGE_PREFIX + canonical_json({**sealed, "stream": stream})


def checkpoint_dict(checkpoint: AuditCheckpoint) -> dict[str, Any]:
    return {
        "stream": checkpoint.stream,
        "seq": checkpoint.seq,
        "head_hash": checkpoint.head_hash,
        "ts": format_ts(checkpoint.ts),
        "signature": checkpoint.signature,
        "key_id": checkpoint.key_id,
    }


def signature_valid(checkpoint: Mapping[str, Any], key: Ed25519PublicKey) -> bool:
    """Whether ``key`` signed the checkpoint; one without ``stream`` (in a bundle made before
    there were two streams) is the lifecycle journal's."""
    message = checkpoint_message(
        checkpoint["seq"],
        checkpoint["head_hash"],
        checkpoint["ts"],
        checkpoint.get("stream", LIFECYCLE),
    )
    try:
        key.verify(bytes.fromhex(checkpoint["signature"]), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def all_checkpoints(session: Session, stream: str) -> list[dict[str, Any]]:
    """Every checkpoint of ``stream``, by seq: one an hour is under 10,000 a year, small
    enough to hold."""
    found = session.scalars(
        select(AuditCheckpoint)
        .where(AuditCheckpoint.stream == stream)
        .order_by(AuditCheckpoint.seq, AuditCheckpoint.id)
    )
    return [checkpoint_dict(checkpoint) for checkpoint in found]


def sign_checkpoint(
    session: Session,
    private_key: Ed25519PrivateKey,
    stream: str,
    seq: int,
    head_hash: str,
    tsa_url: str = "",
) -> AuditCheckpoint:
    """Add a checkpoint over (seq, head_hash) of ``stream`` to the session's transaction,
    with its pending time-stamp when a TSA is set (asked after the commit, by
    ged.audit.timestamp: sealing never waits for the TSA); not committed."""
    moment = datetime.now(UTC)
    signature = private_key.sign(checkpoint_message(seq, head_hash, format_ts(moment), stream))
    checkpoint = AuditCheckpoint(
        stream=stream,
        seq=seq,
        head_hash=head_hash,
        ts=moment,
        signature=signature.hex(),
        key_id=key_id(private_key.public_key()),
    )
    session.add(checkpoint)
    session.flush()
    if tsa_url:
        session.add(
            AuditTimestamp(
                checkpoint_id=checkpoint.id, status="pending", tsa_url=tsa_url, attempts=0
            )
        )
    return checkpoint


def seal_checkpoint(session: Session, settings: Settings) -> list[AuditCheckpoint]:
    """Sign the current head of each stream's chain and commit; the checkpoints by stream,
    in STREAMS order."""
    private_key = load_private_key(settings.audit.key_file)
    if private_key is None:
        raise SigningKeyMissing(settings.audit.key_file)
    sealed = [
        sign_checkpoint(
            session, private_key, stream, *head(session, stream), settings.audit.tsa_url
        )
        for stream in STREAMS
    ]
    session.commit()
    return sealed


def seal_if_due(
    session: Session, settings: Settings, now: datetime | None = None
) -> list[AuditCheckpoint]:
    """Seal each stream where events came since its last checkpoint and that checkpoint is
    checkpoint_minutes old; return the checkpoints sealed (none: nothing was due).

    Meant to be called periodically (every few minutes) by a worker. Without a key
    file it logs a warning and seals nothing: the chains still detect edits, but
    not a cut tail.
    """
    private_key = load_private_key(settings.audit.key_file)
    if private_key is None:
        log.warning(
            "audit checkpoints are not sealed: %s",
            SigningKeyMissing(settings.audit.key_file),
        )
        return []
    interval = timedelta(minutes=settings.audit.checkpoint_minutes)
    sealed = []
    for stream in STREAMS:
        last = session.scalars(
            select(AuditCheckpoint)
            .where(AuditCheckpoint.stream == stream)
            .order_by(AuditCheckpoint.seq.desc(), AuditCheckpoint.id.desc())
        ).first()
        head_seq, head_hash = head(session, stream)
        if head_seq == (last.seq if last else 0):
            continue
        if last is not None and (now or datetime.now(UTC)) - aware(last.ts) < interval:
            continue
        sealed.append(
            sign_checkpoint(
                session, private_key, stream, head_seq, head_hash, settings.audit.tsa_url
            )
        )
    if sealed:
        session.commit()
    return sealed
