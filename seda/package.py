"""An ArchiveTransfer package: a ZIP with manifest.xml at its root and the files under
Content/, written as a stream.

Each file is copied from its source in chunks into its ZIP member while its SHA-512 is
computed (and its head and tail kept for format identification), so no file is ever whole
in memory. The manifest is written, as it goes, to a spool file beside the package (its
data objects must come before the archive units that refer to them, and their digests are
known only once copied), then copied into the ZIP last. The package is written under a
temporary name and renamed once complete: a package at its final name is whole.

    with PackageWriter(path, message) as package:
        for document in documents:
            package.add_group("DOG-12", [BinaryObject(...), ...])
        package.finish(units)
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
import zipfile
from collections.abc import Iterable, Sequence
from contextlib import ExitStack
from pathlib import Path
from types import TracebackType
from typing import Any

from lxml import etree

from seda import manifest
from seda.formats import BUFFER_SIZE, identify
from seda.manifest import WrittenObject, q
from seda.model import ArchiveUnit, BinaryObject, Message
from seda.schema import NAMESPACE

CHUNK_SIZE = 1024 * 1024
MANIFEST = "manifest.xml"
CONTENT = "Content/"
#: member names are ASCII, short and unique: any unzip on any system extracts them alike
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")
_NAME_LENGTH = 80


def member_name(object_id: str, filename: str) -> str:
    """Content/<id>_<the filename folded to ASCII>: the id makes it unique, the name
    helps a person browsing the ZIP; the real name is kept in FileInfo/Filename."""
    folded = unicodedata.normalize("NFKD", filename).encode("ascii", "ignore").decode()
    safe = _UNSAFE.sub("_", folded).strip("._")[-_NAME_LENGTH:].lstrip("._")
    return f"{CONTENT}{object_id}_{safe}" if safe else f"{CONTENT}{object_id}"


class PackageWriter:
    def __init__(self, path: Path, message: Message) -> None:
        self.path = path
        self.message = message
        self.size = 0
        self._partial = path.with_name(path.name + ".part")
        self._files = ExitStack()
        #: the open XML contexts, outermost first: the xmlfile, ArchiveTransfer, DataObjectPackage
        self._open: list[Any] = []
        self._members: set[str] = set()
        self._date_time = max(message.date.timetuple()[:6], (1980, 1, 1, 0, 0, 0))

    def __enter__(self) -> PackageWriter:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._zip = self._files.enter_context(zipfile.ZipFile(self._partial, "w", allowZip64=True))
        self._spool = self._files.enter_context(
            tempfile.TemporaryFile(dir=self.path.parent, prefix=".manifest-")
        )
        writer = etree.xmlfile(self._spool, encoding="utf-8")
        self._xf = self._enter(writer)
        self._xf.write_declaration()
        self._enter(self._xf.element(q("ArchiveTransfer"), nsmap={None: NAMESPACE}))
        manifest.write_header(self._xf, self.message)
        self._enter(manifest.element(self._xf, "DataObjectPackage"))
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        # The XML contexts are left open on a failure: closing them would only write end
        # tags into a spool that is being thrown away.
        self._files.close()
        if kind is not None:
            self._partial.unlink(missing_ok=True)

    def add_group(self, group_id: str, objects: Sequence[BinaryObject]) -> list[WrittenObject]:
        """Copy the files of one DataObjectGroup (one document) into Content/ and write
        their BinaryDataObjects into the manifest."""
        written = [self._copy(item) for item in objects]
        manifest.write_group(self._xf, group_id, written)
        return written

    def finish(self, units: Iterable[ArchiveUnit]) -> Path:
        """Write the archive units and the rest of the manifest, put it into the ZIP, and
        give the package its final name."""
        manifest.write_units(self._xf, units)
        manifest.write_management(self._xf, self.message)
        self._leave()  # DataObjectPackage: the agencies follow it
        manifest.write_agencies(self._xf, self.message)
        self._leave()  # ArchiveTransfer
        self._leave()  # the xmlfile, which flushes into the spool
        self._spool.seek(0)
        with self._zip.open(self._info(MANIFEST, zipfile.ZIP_DEFLATED), "w") as out:
            while chunk := self._spool.read(CHUNK_SIZE):
                out.write(chunk)
        self._files.close()
        with open(self._partial, "rb+") as package:
            os.fsync(package.fileno())
        os.replace(self._partial, self.path)
        self.size = self.path.stat().st_size
        return self.path

    def _enter(self, context: Any) -> Any:
        entered = context.__enter__()
        self._open.append(context)
        return entered

    def _leave(self) -> None:
        self._open.pop().__exit__(None, None, None)

    def _info(self, name: str, compression: int) -> zipfile.ZipInfo:
        # Files are already compressed (PDF, JPEG, TIFF): storing them costs no CPU and
        # lets the archives read a member without inflating it. The manifest is text.
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.compress_type = compression
        return info

    def _copy(self, item: BinaryObject) -> WrittenObject:
        name = member_name(item.id, item.filename)
        if name in self._members:
            raise ValueError(f"data object {item.id} is in the package twice")
        self._members.add(name)
        digest = hashlib.sha512()
        head, tail, size = b"", b"", 0
        with (
            item.open() as source,
            self._zip.open(self._info(name, zipfile.ZIP_STORED), "w", force_zip64=True) as out,
        ):
            while chunk := source.read(CHUNK_SIZE):
                out.write(chunk)
                digest.update(chunk)
                size += len(chunk)
                if len(head) < BUFFER_SIZE:
                    head += chunk[: BUFFER_SIZE - len(head)]
                tail = (tail + chunk)[-BUFFER_SIZE:]
        return WrittenObject(
            id=item.id,
            usage=item.usage,
            uri=name,
            size=size,
            sha512=digest.hexdigest(),
            format=identify(head, tail, item.mime_type),
            filename=item.filename,
            last_modified=item.last_modified,
        )
