"""The pre-flight check of a package, before an archivist deposits it with the archives:
what their SAE would check on arrival, said in words.

manifest.xml must validate against seda-2.2-main.xsd; every BinaryDataObject's Uri must
name a member of the ZIP whose size and SHA-512 are the ones the manifest states; and the
ZIP must hold nothing the manifest does not describe."""

from __future__ import annotations

import hashlib
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from seda.manifest import q
from seda.package import CHUNK_SIZE, CONTENT, MANIFEST
from seda.schema import schema

#: the algorithms a SEDA MessageDigest may name, as hashlib knows them
_ALGORITHMS = {"SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512"}
#: validation errors reported before giving up (one broken template repeats thousands)
_MAX_SCHEMA_ERRORS = 20


@dataclass(frozen=True)
class DescribedObject:
    id: str
    uri: str
    algorithm: str
    digest: str
    size: int | None


def check_package(path: Path) -> list[str]:
    """The problems found in the package at ``path``; an empty list when it is sound."""
    try:
        package = zipfile.ZipFile(path)
    except (OSError, zipfile.BadZipFile) as exc:
        return [f"{path.name} is not a readable ZIP file: {exc}"]
    with package:
        names = set(package.namelist())
        if MANIFEST not in names:
            return [f"{path.name} has no {MANIFEST} at its root"]
        problems = _schema_problems(package)
        if problems:
            return problems
        described = list(_described(package))
        for item in described:
            problems.extend(_object_problems(package, names, item))
        referenced = {item.uri for item in described}
        for name in sorted(names - referenced - {MANIFEST}):
            if not name.endswith("/"):
                problems.append(f"{name} is in the ZIP but no data object of the manifest names it")
    return problems


def _schema_problems(package: zipfile.ZipFile) -> list[str]:
    with package.open(MANIFEST) as manifest:
        try:
            errors = schema().iter_errors(manifest)
            problems = []
            for error in errors:
                where = f" at {error.path}" if error.path else ""
                problems.append(f"{MANIFEST} does not follow SEDA 2.2{where}: {error.reason}")
                if len(problems) == _MAX_SCHEMA_ERRORS:
                    problems.append("(further schema errors not listed)")
                    break
        except etree.XMLSyntaxError as exc:
            return [f"{MANIFEST} is not well-formed XML: {exc}"]
        except Exception as exc:  # noqa: BLE001 - xmlschema raises its parser's errors as they come
            return [f"{MANIFEST} could not be read: {exc}"]
    return problems


def _described(package: zipfile.ZipFile) -> Iterator[DescribedObject]:
    """The BinaryDataObjects of the manifest, read as a stream."""
    with package.open(MANIFEST) as manifest:
        for _event, node in etree.iterparse(manifest, tag=q("BinaryDataObject")):
            digest = node.find(q("MessageDigest"))
            size = node.findtext(q("Size"))
            yield DescribedObject(
                id=node.get("id", ""),
                uri=(node.findtext(q("Uri")) or "").strip(),
                algorithm=digest.get("algorithm", "") if digest is not None else "",
                digest=(digest.text or "").strip().lower() if digest is not None else "",
                size=int(size) if size is not None else None,
            )
            node.clear()


def _object_problems(package: zipfile.ZipFile, names: set[str], item: DescribedObject) -> list[str]:
    label = f"data object {item.id}"
    if not item.uri:
        return [f"{label} has no Uri: the archives would not find its file"]
    if item.uri not in names:
        return [f"{label} names {item.uri}, which is not in the ZIP"]
    if not item.uri.startswith(CONTENT):
        return [f"{label}'s file {item.uri} is outside {CONTENT}"]
    algorithm = _ALGORITHMS.get(item.algorithm)
    if algorithm is None:
        return [f"{label}'s digest algorithm {item.algorithm!r} is not one this check knows"]
    digest, size = hashlib.new(algorithm), 0
    try:
        with package.open(item.uri) as member:
            while chunk := member.read(CHUNK_SIZE):
                digest.update(chunk)
                size += len(chunk)
    except zipfile.BadZipFile as exc:  # the CRC of the member: its bytes were changed
        return [f"{label}: {item.uri} is damaged in the ZIP ({exc})"]
    problems = []
    if item.size is not None and size != item.size:
        problems.append(f"{label}: {item.uri} is {size} bytes, the manifest says {item.size}")
    if digest.hexdigest() != item.digest:
        problems.append(
            f"{label}: the {item.algorithm} of {item.uri} is not the one the manifest states "
            "(the file or the manifest was changed after the package was built)"
        )
    return problems
