"""What a file really is, from its bytes (libmagic), never from its name or a client's claim."""

from __future__ import annotations

import magic

#: libmagic recognises every format it knows within this many leading bytes
HEAD_SIZE = 1024 * 1024

#: types the pipeline reads; anything else is stored and marked unsupported
SUPPORTED_TYPES = frozenset(
    {"application/pdf", "image/tiff", "image/png", "image/jpeg", "text/plain"}
)


def detect_mime(head: bytes) -> str:
    """MIME type of a file from its first bytes (up to HEAD_SIZE)."""
    if not head:
        return "application/x-empty"
    return magic.from_buffer(head, mime=True)
