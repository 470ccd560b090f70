"""Disposal certificates: signed with the audit key (Ed25519, as checkpoints are), and
verifiable offline from the file alone (``ged audit verify --file certificate.json``).

The file is one JSON object, written in exactly one way (keys sorted, two-space indent,
UTF-8, final newline): ``{"certificate": {...}, "signature": {...}, "public_key": PEM}``.
The signature covers a prefixed canonical JSON of ``certificate``; verification also
requires the file to be byte for byte that one way of writing it, so that any changed
byte, even in the spacing, fails it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ged.audit.chain import canonical_json
from ged.audit.seal import key_id, public_key_pem, read_public_key
from ged.errors import InvalidInput

#: what the ``certificate.format`` of a disposal certificate says
FORMAT = "ged disposal certificate v1"
# Prefixed so that a certificate's signature can never pass for a checkpoint's, or back.
_MESSAGE_PREFIX = b"ged disposal certificate v1\n"


def _message(certificate: dict[str, Any]) -> bytes:
    return _MESSAGE_PREFIX + canonical_json(certificate)


def _written(document: dict[str, Any]) -> bytes:
    return (json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n").encode()


def signed_certificate(certificate: dict[str, Any], private_key: Ed25519PrivateKey) -> bytes:
    """The certificate file: ``certificate`` (which must say ``format``), its signature and
    the public key that checks it. Ed25519 is deterministic: the same certificate signed by
    the same key gives the same bytes (a resumed execution stores no second file)."""
    public_key = private_key.public_key()
    return _written(
        {
            "certificate": certificate,
            "signature": {
                "algorithm": "Ed25519",
                "key_id": key_id(public_key),
                "value": private_key.sign(_message(certificate)).hex(),
            },
            "public_key": public_key_pem(public_key).decode("ascii"),
        }
    )


def is_certificate(path: Path) -> bool:
    """The file looks like a disposal certificate (JSON Lines exports start with an event)."""
    try:
        with path.open("rb") as handle:
            head = handle.read(4096)
    except OSError:
        return False
    return head.lstrip().startswith(b"{\n") and b'"certificate"' in head


def verify_certificate(
    data: bytes, trusted_key: Ed25519PublicKey | None = None
) -> tuple[bool, str, str | None]:
    """(ok, what was found, key id). ``trusted_key``, when given, is used instead of the
    file's own (which only proves the file agrees with itself)."""
    try:
        document = json.loads(data.decode("utf-8"))
        certificate = document["certificate"]
        signature = document["signature"]
        if certificate.get("format") != FORMAT:
            raise InvalidInput(f"not a {FORMAT!r}")
        key = trusted_key or read_public_key(document["public_key"].encode("ascii"))
    except (UnicodeDecodeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        return False, f"the file cannot be read as a disposal certificate: {exc!r}", None
    except InvalidInput as exc:
        return False, f"the file cannot be read as a disposal certificate: {exc}", None
    found_key = key_id(key)
    if _written(document) != data:
        return False, "the file was changed: it is not written as ged wrote it", found_key
    try:
        key.verify(bytes.fromhex(signature["value"]), _message(certificate))
    except (InvalidSignature, ValueError, KeyError, TypeError):
        return (
            False,
            f"the certificate does not match its signature by key {found_key}: it was changed",
            found_key,
        )
    documents = certificate.get("documents", [])
    listed = certificate.get("list", {})
    return (
        True,
        f"disposal certificate of list {listed.get('id')} ({len(documents)} documents) is "
        f"intact and signed by key {found_key}",
        found_key,
    )
