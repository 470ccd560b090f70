"""RFC 3161 time-stamps of checkpoints: asking a TSA for one, and checking one, offline.

A checkpoint's signature proves who sealed the chain's head, not when: ged's own key
could sign any date. A time-stamping authority (a third party, [audit] tsa_url) signs
instead that a hash existed at its clock's time (genTime).

What is stamped, the imprint, is the SHA-256 of the very message the checkpoint's
Ed25519 signature covers (ged.audit.seal.checkpoint_message: its stream, seq, head hash
and ts), so anyone can recompute it from the checkpoint alone. The request carries a
nonce and asks for the TSA's certificate (certReq), so that the token can be checked
later with nothing but the CA the TSA's certificate chains to ([audit] tsa_ca_file, or
the copy a bundle carries). What ged stores and exports as the token is the TSA's
whole answer (a DER TimeStampResp, what ``openssl ts -verify -in`` reads).

A token holds for a checkpoint when it is granted, signed by a certificate that chains
to one of the trusted CAs and is marked for time-stamping (critical extended key usage),
its imprint is the checkpoint's, and its genTime is not before the checkpoint's own ts
(give or take CLOCK_SKEW) nor in the future.
"""

from __future__ import annotations

import hashlib
import re
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from rfc3161_client import (
    HashAlgorithm,
    TimestampRequestBuilder,
    TimeStampResponse,
    VerificationError,
    VerifierBuilder,
    decode_timestamp_response,
)

from ged.audit.seal import checkpoint_message
from ged.errors import GedError, InvalidInput
from ged.models import LIFECYCLE

QUERY_TYPE, REPLY_TYPE = "application/timestamp-query", "application/timestamp-reply"
#: how far apart ged's clock and the TSA's may be
CLOCK_SKEW = timedelta(minutes=5)
_SHA256 = x509.ObjectIdentifier("2.16.840.1.101.3.4.2.1")
#: a TSA's answer is a few kilobytes; more is not one
_MAX_REPLY = 1024 * 1024


class TimestampRefused(GedError):
    """The TSA could not be reached, or its answer is not a time-stamp ged can keep."""

    def __init__(self, message: str, *, unreachable: bool = False) -> None:
        super().__init__(message)
        #: the TSA did not answer at all: asking again for the next checkpoint is pointless
        self.unreachable = unreachable


def imprint_message(checkpoint: Mapping[str, Any]) -> bytes:
    """What a checkpoint's time-stamp is over: the message its signature covers."""
    return checkpoint_message(
        checkpoint["seq"],
        checkpoint["head_hash"],
        checkpoint["ts"],
        checkpoint.get("stream", LIFECYCLE),
    )


def imprint(checkpoint: Mapping[str, Any]) -> str:
    """The SHA-256 a checkpoint's token must carry, hex."""
    return hashlib.sha256(imprint_message(checkpoint)).hexdigest()


def read_roots(pem: bytes, origin: str) -> list[x509.Certificate]:
    """The trusted CA certificates of a PEM file (``origin`` names it in errors)."""
    try:
        roots = x509.load_pem_x509_certificates(pem)
    except ValueError:
        raise InvalidInput(
            f"{origin} holds no PEM certificate", field="audit.tsa_ca_file"
        ) from None
    return roots


def load_roots(path: Path) -> list[x509.Certificate]:
    try:
        return read_roots(path.read_bytes(), str(path))
    except OSError as exc:
        raise InvalidInput(
            f"the TSA's CA file {path} cannot be read ({exc.strerror}): set [audit] tsa_ca_file "
            "to the certificates (PEM) the TSA's certificate chains to",
            field="audit.tsa_ca_file",
        ) from None


def roots_pem(roots: list[x509.Certificate]) -> bytes:
    return b"".join(cert.public_bytes(serialization.Encoding.PEM) for cert in roots)


def roots_id(roots: list[x509.Certificate]) -> str:
    """A short fingerprint of the trusted CAs, as verification reports name them."""
    return hashlib.sha256(roots_pem(roots)).hexdigest()[:16]


def request_token(
    checkpoint: Mapping[str, Any], url: str, timeout: float, roots: list[x509.Certificate]
) -> tuple[bytes, datetime]:
    """Ask the TSA at ``url`` for the checkpoint's time-stamp; its token (the whole
    answer) and genTime, once it is checked as verify_token would. Raises
    TimestampRefused saying why not."""
    request = (
        TimestampRequestBuilder()
        .data(imprint_message(checkpoint))
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    asked = urllib.request.Request(
        url, data=request.as_bytes(), headers={"Content-Type": QUERY_TYPE}, method="POST"
    )
    try:
        with urllib.request.urlopen(asked, timeout=timeout) as answer:  # noqa: S310 - http(s) only, checked in config
            kind = answer.headers.get_content_type()
            token = answer.read(_MAX_REPLY + 1)
    except urllib.error.HTTPError as exc:
        raise TimestampRefused(f"the TSA at {url} answered HTTP {exc.code} {exc.reason}") from None
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise TimestampRefused(
            f"the TSA at {url} does not answer: {reason}", unreachable=True
        ) from None
    if kind != REPLY_TYPE or len(token) > _MAX_REPLY:
        raise TimestampRefused(f"the TSA at {url} answered {kind}, not {REPLY_TYPE}")
    response = _decode(token)
    if response.tst_info.nonce != request.nonce:
        raise TimestampRefused(f"the TSA at {url} answered another request (its nonce differs)")
    return token, verify_token(token, checkpoint, roots, now=datetime.now(UTC))


def verify_token(
    token: bytes,
    checkpoint: Mapping[str, Any],
    roots: list[x509.Certificate],
    now: datetime | None = None,
) -> datetime:
    """The genTime ``token`` vouches for, if it is a valid time-stamp of ``checkpoint`` by a
    TSA that ``roots`` trust; raises TimestampRefused saying what is wrong otherwise.
    ``now``, when given, also refuses a genTime in the future."""
    response = _decode(token)
    if response.status not in (0, 1):  # granted, granted with modifications
        said = "; ".join(response.status_string) or f"status {response.status}"
        raise TimestampRefused(f"the TSA refused it: {said}")
    imprinted = response.tst_info.message_imprint
    builder = VerifierBuilder()
    for root in roots:
        builder = builder.add_root_certificate(root)
    try:
        # Checked against its own imprint first, so that a wrong hash is told apart from
        # an untrusted or broken signature below.
        builder.build().verify(response, imprinted.message)
    except VerificationError as exc:
        raise TimestampRefused(
            f"it is not signed by a TSA the trusted CA vouches for ({_said(exc)})"
        ) from None
    if imprinted.hash_algorithm != _SHA256:
        raise TimestampRefused("it is not over a SHA-256 imprint, as ged asks for")
    if imprinted.message.hex() != imprint(checkpoint):
        raise TimestampRefused(
            f"it is over hash {imprinted.message.hex()}, not this checkpoint's {imprint(checkpoint)}"
        )
    gen_time = response.tst_info.gen_time.astimezone(UTC)
    sealed = datetime.fromisoformat(checkpoint["ts"])
    if gen_time < sealed - CLOCK_SKEW:
        raise TimestampRefused(
            f"it dates from {gen_time:%Y-%m-%dT%H:%M:%SZ}, before the checkpoint was sealed"
        )
    if now is not None and gen_time > now + CLOCK_SKEW:
        raise TimestampRefused(f"it dates from {gen_time:%Y-%m-%dT%H:%M:%SZ}, in the future")
    return gen_time


def _said(exc: VerificationError) -> str:
    """OpenSSL's own words from the error stack rfc3161-client hands on, when it has them."""
    found = re.search(r'data: "([^"]+)"', str(exc))
    return found.group(1) if found else str(exc)


def _decode(token: bytes) -> TimeStampResponse:
    try:
        return decode_timestamp_response(token)
    except ValueError as exc:
        raise TimestampRefused(f"it cannot be read as an RFC 3161 time-stamp ({exc})") from None


@dataclass(frozen=True)
class StampCheck:
    """The time-stamps of one stream's checkpoints, checked."""

    #: tokens that verify
    checked: int = 0
    #: checkpoints without a token, and the ts of the oldest of them
    unstamped: int = 0
    unstamped_since: str | None = None
    #: tokens that could not be checked for want of a trusted CA
    unchecked: int = 0
    #: the first token that does not hold, said for people, and the event its checkpoint
    #: seals; None: all hold
    problem: str | None = None
    problem_seq: int | None = None


def check_stamps(
    checkpoints: list[Mapping[str, Any]],
    tokens: Mapping[tuple[int, str], bytes],
    roots: list[x509.Certificate] | None,
    now: datetime,
) -> StampCheck:
    """Check each checkpoint's token (``tokens`` by the checkpoint's (seq, ts)) against the
    ``roots`` trusted (None: none known, tokens are only counted); a token for a checkpoint
    not among ``checkpoints`` is a problem too."""
    known = {(checkpoint["seq"], checkpoint["ts"]) for checkpoint in checkpoints}
    for seq, ts in tokens.keys() - known:
        return StampCheck(
            problem=f"a time-stamp names a checkpoint over event {seq} at {ts} that is not here",
            problem_seq=seq,
        )
    checked = 0
    unstamped = [
        checkpoint
        for checkpoint in checkpoints
        if (checkpoint["seq"], checkpoint["ts"]) not in tokens
    ]
    for checkpoint in checkpoints:
        token = tokens.get((checkpoint["seq"], checkpoint["ts"]))
        if token is None or roots is None:
            continue
        try:
            verify_token(token, checkpoint, roots, now)
        except TimestampRefused as refused:
            return StampCheck(
                checked=checked,
                problem=f"the time-stamp of the checkpoint sealed at {checkpoint['ts']} over "
                f"event {checkpoint['seq']} does not hold: {refused}",
                problem_seq=checkpoint["seq"],
            )
        checked += 1
    oldest = min(unstamped, key=lambda checkpoint: checkpoint["ts"], default=None)
    return StampCheck(
        checked=checked,
        unstamped=len(unstamped),
        unstamped_since=oldest["ts"] if oldest else None,
        unchecked=len(tokens) if roots is None else 0,
        problem_seq=oldest["seq"] if oldest else None,
    )


def stamp_fields(
    detail: str,
    stamps: StampCheck,
    roots: list[x509.Certificate] | None,
    *,
    in_use: bool,
    required: bool,
) -> dict[str, Any]:
    """What a stream's verification result (ged.audit.verify) becomes once its time-stamps
    are checked: counts, and a failure or what ``detail`` then adds. ``in_use``: the stream
    is time-stamped at all, so that an installation without a TSA hears nothing of them;
    missing time-stamps fail it only when ``required``."""
    found: dict[str, Any] = {
        "timestamps_checked": stamps.checked,
        "unstamped": stamps.unstamped,
        "unstamped_since": stamps.unstamped_since,
        "tsa_ca_id": roots_id(roots) if roots else None,
    }
    if stamps.problem is not None:
        failed = {"ok": False, "reason": "bad time-stamp", "first_broken_seq": stamps.problem_seq}
        return {**found, **failed, "detail": stamps.problem}
    missing = (
        f"{stamps.unstamped} checkpoints have no time-stamp yet, the oldest sealed at "
        f"{stamps.unstamped_since}"
    )
    if required and stamps.unstamped:
        failed = {"ok": False, "reason": "not time-stamped", "first_broken_seq": stamps.problem_seq}
        return {**found, **failed, "detail": missing}
    if not (in_use or required):
        return found
    said = [f"{stamps.checked} time-stamps by a TSA of CA {found['tsa_ca_id']} hold"]
    if stamps.unchecked:
        said = [
            f"{stamps.unchecked} time-stamps could not be checked: no trusted TSA CA "
            "([audit] tsa_ca_file, or --tsa-ca)"
        ]
    if stamps.unstamped:
        said.append(missing)
    return {**found, "detail": "; ".join([detail, *said])}


def tokens_by_checkpoint(rows: Iterable[Mapping[str, Any]]) -> dict[tuple[int, str], bytes]:
    """Tokens by the (seq, ts) of their checkpoint, as check_stamps takes them."""
    return {(row["seq"], row["ts"]): row["token"] for row in rows}
