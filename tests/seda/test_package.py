"""Packages written by seda validate against the official SEDA 2.2 schema, carry the bytes
they describe, and a package changed afterwards is caught by the pre-flight check."""

from __future__ import annotations

import hashlib
import io
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from lxml import etree

from seda import schema
from seda.check import check_package
from seda.formats import identify
from seda.manifest import q
from seda.model import (
    AccessRule,
    Agency,
    AppraisalRule,
    ArchiveUnit,
    BinaryObject,
    Management,
    Message,
)
from seda.package import PackageWriter, member_name

ODD_NAME = "Délibération n°12 / été (copie).pdf"
MESSAGE = Message(
    identifier="GED-20240501-7",
    date=datetime(2024, 5, 1, 9, 30, tzinfo=UTC),
    archival_agency=Agency("FRAD075", "Archives de Paris"),
    transferring_agency=Agency("21750001600019", "Mairie"),
    archival_agreement="CONV-2024-01",
    comment="Versement des délibérations",
)


def _file(data: bytes, object_id: str, name: str, mime: str, usage: str) -> BinaryObject:
    return BinaryObject(object_id, usage, name, mime, lambda: io.BytesIO(data))


def _item(number: int) -> ArchiveUnit:
    start = date(2010, 3, 1)
    return ArchiveUnit(
        id=f"AU-{number}",
        title=f"Délibération {number}",
        level="Item",
        system_id=str(number),
        document_type="Délibération",
        keywords=("budget", "été"),
        originating_agency=Agency("21750001600019"),
        created_date=start,
        start_date=start,
        end_date=start,
        management=Management(AppraisalRule("DEL-10", start, "Keep"), AccessRule("AR038", start)),
        data_object_group=f"DOG-{number}",
    )


def _write(path: Path, files: dict[str, bytes]) -> Path:
    with PackageWriter(path, MESSAGE) as package:
        for number, (name, data) in enumerate(files.items(), 1):
            package.add_group(
                f"DOG-{number}",
                [
                    _file(data, f"BDO-{number}-v1", name, "application/pdf", "BinaryMaster_1"),
                    _file(b"texte", f"BDO-{number}-v1-txt", "t.txt", "text/plain", "TextContent_1"),
                ],
            )
        items = [_item(number) for number in range(1, len(files) + 1)]
        series = ArchiveUnit("AU-S1", "Secrétariat général", "Series", children=items)
        return package.finish([series])


def test_a_package_validates_and_its_digests_match_the_bytes(tmp_path: Path) -> None:
    files = {ODD_NAME: b"%PDF-1.4\n" + bytes(range(256)) * 100, "b.pdf": b"%PDF-1.7\nother"}
    path = _write(tmp_path / "p.zip", files)

    assert check_package(path) == []
    with zipfile.ZipFile(path) as package:
        manifest = package.read("manifest.xml")
        schema().validate(io.BytesIO(manifest))
        root = etree.fromstring(manifest)
        masters = [
            node
            for node in root.iter(q("BinaryDataObject"))
            if node.findtext(q("DataObjectVersion")) == "BinaryMaster_1"
        ]
        assert [node.findtext(f"{q('FileInfo')}/{q('Filename')}") for node in masters] == list(
            files
        )
        for node, data in zip(masters, files.values(), strict=True):
            member = node.findtext(q("Uri"))
            assert package.read(member) == data
            assert node.findtext(q("MessageDigest")) == hashlib.sha512(data).hexdigest()
            assert node.findtext(q("Size")) == str(len(data))
    assert not (tmp_path / "p.zip.part").exists()


def test_member_names_are_ascii_and_keep_a_readable_name() -> None:
    assert member_name("BDO-1-v1", ODD_NAME) == "Content/BDO-1-v1_Deliberation_n12_ete_copie_.pdf"
    assert member_name("BDO-2-v1", "../../..") == "Content/BDO-2-v1"


def test_a_tampered_digest_is_caught(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.zip", {"a.pdf": b"%PDF-1.4 a"})
    tampered = tmp_path / "tampered.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tampered, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == "manifest.xml":
                real = hashlib.sha512(b"%PDF-1.4 a").hexdigest()
                data = data.replace(real.encode(), ("0" * 128).encode())
            target.writestr(info, data)

    problems = check_package(tampered)

    assert len(problems) == 1
    assert "BDO-1-v1" in problems[0] and "SHA-512" in problems[0]


def test_a_missing_file_and_a_stray_file_are_caught(tmp_path: Path) -> None:
    path = _write(tmp_path / "p.zip", {"a.pdf": b"%PDF-1.4 a"})
    changed = tmp_path / "changed.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(changed, "w") as target:
        for info in source.infolist():
            if not info.filename.endswith(".txt"):
                target.writestr(info, source.read(info))
        target.writestr("Content/extra.bin", b"x")

    problems = check_package(changed)

    assert any("not in the ZIP" in problem for problem in problems)
    assert any("Content/extra.bin" in problem for problem in problems)


def test_an_invalid_manifest_is_reported_in_words(tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as package:
        package.writestr(
            "manifest.xml",
            f'<ArchiveTransfer xmlns="{q("")[1:-1]}"><Date>yesterday</Date></ArchiveTransfer>',
        )

    problems = check_package(broken)

    assert problems and problems[0].startswith("manifest.xml does not follow SEDA 2.2")


def test_a_failed_build_leaves_no_file(tmp_path: Path) -> None:
    def failing() -> io.BytesIO:
        raise OSError("blob store unreachable")

    with pytest.raises(OSError), PackageWriter(tmp_path / "p.zip", MESSAGE) as package:
        package.add_group(
            "DOG-1", [BinaryObject("BDO-1", "BinaryMaster_1", "a.pdf", "application/pdf", failing)]
        )
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("head", "mime", "puid"),
    [
        (b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n", "application/pdf", "fmt/18"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "application/pdf", "fmt/276"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "image/png", None),
        (b"no signature at all", "text/plain", "x-fmt/111"),
    ],
)
def test_formats_come_from_pronom_signatures_else_from_the_mime_type(
    head: bytes, mime: str, puid: str | None
) -> None:
    found = identify(head, head + b"\n%%EOF\n", mime)
    assert found.mime_type == mime
    if puid is not None:
        assert found.puid == puid
    else:
        assert found.puid is not None and found.puid.startswith("fmt/")


def _pdfa_head(part: str, conformance: str) -> bytes:
    xmp = (
        "<x:xmpmeta xmlns:x='adobe:ns:meta/'><rdf:RDF><rdf:Description "
        "xmlns:pdfaid='http://www.aiim.org/pdfa/ns/id/'>"
        f"<pdfaid:part>{part}</pdfaid:part><pdfaid:conformance>{conformance}</pdfaid:conformance>"
        "</rdf:Description></rdf:RDF></x:xmpmeta>"
    )
    return b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<</Type/Metadata>>stream\n" + xmp.encode()


@pytest.mark.parametrize(
    ("part", "conformance", "puid"),
    [("1", "A", "fmt/95"), ("1", "B", "fmt/354"), ("2", "B", "fmt/477"), ("2", "U", "fmt/478")],
)
def test_pdfa_parts_and_levels_are_told_apart(part: str, conformance: str, puid: str) -> None:
    head = _pdfa_head(part, conformance)
    assert identify(head, head + b"\n%%EOF\n", "application/pdf").puid == puid
