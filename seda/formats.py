"""FormatIdentification: the PRONOM format of a file, from its bytes.

FIDO (the Open Preservation Foundation's identifier, PRONOM signatures shipped with it,
no network) matches the first and last 128 KiB of the file, which the package writer keeps
while it copies the file anyway: identifying costs no second read. It tells PDF 1.4 from
1.7 and PDF/A-1b from PDF/A-2u. Only the signatures of the families ged reads are tried
(PDF, TIFF, PNG, JPEG, JPEG 2000, GIF, text, XML: about 80 of PRONOM's 2,000 formats):
trying them all costs some 40 ms of regular expressions per file, the time to copy 100 MB,
to tell apart formats ged never files. When no signature matches (a damaged file, plain
text), a small table maps the MIME type the producer detected to its generic PRONOM id."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from functools import cache
from typing import Any

from fido.fido import Fido
from fido.versions import get_local_versions

#: FIDO's own buffer size: the head and tail it matches signatures against
BUFFER_SIZE = 128 * 1024

#: the MIME types whose PRONOM formats are tried
FAMILIES = (
    "application/pdf",
    "image/tiff",
    "image/png",
    "image/jpeg",
    "image/jp2",
    "image/gif",
    "text/plain",
    "application/xml",
    "text/xml",
)

#: MIME type → (PRONOM id, name), for files no signature recognises
FALLBACK: dict[str, tuple[str, str]] = {
    "application/pdf": ("fmt/276", "Acrobat PDF 1.7 - Portable Document Format"),
    "image/tiff": ("fmt/353", "Tagged Image File Format"),
    "image/png": ("fmt/13", "Portable Network Graphics 1.2"),
    "image/jpeg": ("fmt/43", "JPEG File Interchange Format 1.01"),
    "text/plain": ("x-fmt/111", "Plain Text File"),
    "application/xml": ("fmt/101", "Extensible Markup Language 1.0"),
    "text/xml": ("fmt/101", "Extensible Markup Language 1.0"),
    "application/zip": ("x-fmt/263", "ZIP Format"),
}


@dataclass(frozen=True)
class Format:
    puid: str | None
    name: str
    mime_type: str


_lock = threading.Lock()


@cache
def _fido() -> Fido:
    """One FIDO per process: loading its signatures takes a few tenths of a second."""
    versions = get_local_versions()
    fido = Fido(
        quiet=True,
        nocontainer=True,
        format_files=[versions.pronom_signature],
        handle_matches=lambda *_args, **_kwargs: None,
    )
    fido.formats = [
        element
        for element in fido.formats
        if any(family in (element.findtext("mime") or "") for family in FAMILIES)
    ]
    return fido


def identify(head: bytes, tail: bytes, mime_type: str) -> Format:
    """The format of a file whose first and last BUFFER_SIZE bytes are ``head`` and
    ``tail`` (the same bytes for a small file); ``mime_type`` is what the producer found."""
    matches: list[tuple[Any, str]] = []
    if head:
        with _lock:  # FIDO keeps its current match on the instance
            matches = _fido().match_formats(head, tail)
    if matches:
        element = _most_specific(matches)
        mime = element.findtext("mime") or mime_type
        return Format(element.findtext("puid"), _name(element), mime)
    puid, name = FALLBACK.get(mime_type, (None, mime_type))
    return Format(puid, name, mime_type)


def _most_specific(matches: list[tuple[Any, str]]) -> Any:
    """FIDO drops the matches another one has priority over; of those left (PDF/A-1b also
    matches PDF 1.4), the one with a version that is not plain PDF wins, else the first."""
    elements = [element for element, _signature in matches]
    return max(elements, key=lambda element: "PDF/A" in (element.findtext("name") or ""))


def _name(element: Any) -> str:
    name = element.findtext("name") or ""
    version = element.findtext("version")
    return f"{name} {version}" if version and version not in name else name
