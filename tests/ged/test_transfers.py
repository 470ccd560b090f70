"""Transfers to the archives: proposing from the "à verser" queue (and refusing, with the
reason, what may not go), building the SEDA 2.2 package, and what the archivist gets."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest
from lxml import etree
from sqlalchemy import update

from ged.access import Principal, command_line, principal_for
from ged.bootstrap import Runtime, build
from ged.errors import Conflict, Gone, InvalidInput
from ged.models import AuditEvent, Blob, Rendition, Transfer, User, Version
from ged.services.disposal_queues import queue_page
from ged.services.documents import Metadata, Upload, add_version, create_document
from ged.services.paging import Page
from ged.services.pipeline import process_version
from ged.services.transfer_build import build_transfer
from ged.services.transfer_replies import record_reply
from ged.services.transfers import (
    TransferRequest,
    package_file,
    propose_transfer,
    read_transfer,
    requeue_building_transfers,
)
from ged.services.users import create_user
from seda import schema
from seda.check import check_package
from seda.manifest import q
from tests.ged.disposal_setup import PASSWORD, hold, make_due
from tests.ged.transfer_setup import reply_xml
from tests.ingest.samples import born_digital_pdf, page_lines, scan_image
from tests.migrated import migrate

ODD_NAME = "Délibération n°12 : été (copie) «définitive» #3?.pdf"
ARCHIVES = {
    "archival_agreement": "CONV-2024-07",
    "archival_agency": json.dumps({"identifier": "FRAD075", "name": "Archives de Paris"}),
    "transferring_agency": json.dumps({"identifier": "21750001600019", "name": "Mairie"}),
    "access_rule": "AR038",
}


@pytest.fixture(params=["sqlite", "postgresql"])
def runtime(request, make_settings, redis_client) -> Iterator[Runtime]:
    sections: dict = {"archives": ARCHIVES}
    if request.param == "postgresql":
        sections["database"] = {"url": request.getfixturevalue("fresh_postgres_url")}
    settings = make_settings(**sections)
    migrate(settings.database.url)
    runtime = build(settings)
    yield runtime
    runtime.close()


@pytest.fixture
def archivist(runtime: Runtime) -> Principal:
    with runtime.unit_of_work() as uow:
        return principal_for(create_user(uow, command_line(), "archives", "archivist", PASSWORD))


def clerk(runtime: Runtime) -> Principal:
    """The person who files the documents (one per runtime)."""
    with runtime.unit_of_work() as uow:
        found = uow.session.query(User).filter_by(username="greffe").one_or_none()
        user = found or create_user(uow, command_line(), "greffe", "admin", PASSWORD)
        return principal_for(user)


def file(runtime: Runtime, content: bytes, name: str, title: str = "Facture") -> int:
    who = clerk(runtime)
    with runtime.unit_of_work() as uow:
        metadata = Metadata(title=title, tags=("budget", "été"))
        version = create_document(uow, who, Upload(io.BytesIO(content), name), metadata)
        return version.document_id


def due_for_transfer(runtime: Runtime, content: bytes, name: str, title: str = "Facture") -> int:
    document_id = file(runtime, content, name, title)
    make_due(runtime, document_id, "transfer")
    return document_id


def pdf(tmp_path: Path, title: str) -> bytes:
    return born_digital_pdf(tmp_path / "p.pdf", [page_lines(title)]).read_bytes()


def png(text: str) -> bytes:
    buffer = io.BytesIO()
    scan_image([text], dpi=60).save(buffer, "PNG")
    return buffer.getvalue()


def propose(runtime: Runtime, who: Principal, selection: dict, **options) -> Transfer:
    with runtime.unit_of_work() as uow:
        request = TransferRequest(title="Versement 2024", selection=selection, **options)
        return propose_transfer(uow, who, request)


def manifest_of(path: Path) -> etree._Element:
    with zipfile.ZipFile(path) as package:
        data = package.read("manifest.xml")
    schema().validate(io.BytesIO(data))
    return etree.fromstring(data)


def objects_of(root: etree._Element) -> dict[str, etree._Element]:
    return {node.get("id"): node for node in root.iter(q("BinaryDataObject"))}


def test_a_transfer_of_varied_documents_validates_and_carries_the_bytes(
    runtime: Runtime, archivist: Principal, tmp_path: Path
) -> None:
    born = file(runtime, pdf(tmp_path, "Arrêté du maire"), "arrete.pdf", "Arrêté")
    with runtime.unit_of_work() as uow:
        first = uow.session.query(Version).filter_by(document_id=born).one()
    process_version(runtime, first.id)  # its text layer, carried as TextContent_1
    make_due(runtime, born, "transfer")
    scanned = due_for_transfer(runtime, png("Registre des délibérations"), "scan.png", "Scan")
    several = due_for_transfer(runtime, b"%PDF-1.4 first\n", "v1.pdf", "Contrat")
    with runtime.unit_of_work() as uow:
        add_version(uow, clerk(runtime), several, Upload(io.BytesIO(b"%PDF-1.7 2\n"), "v2.pdf"), "")
    odd = due_for_transfer(runtime, pdf(tmp_path, "Délibération"), ODD_NAME, "Délibération n°12")

    made = propose(runtime, archivist, {"ids": [born, scanned, several, odd]}, versions="all")
    assert made.status == "building" and made.message_identifier.startswith("GED-")
    built = build_transfer(runtime, made.id)

    assert built.status == "ready", built.error
    path = runtime.settings.archives.packages_dir / f"{built.message_identifier}.zip"
    assert check_package(path) == []
    assert built.package_sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    root = manifest_of(path)
    objects = objects_of(root)
    assert {f"BDO-{several}-v1", f"BDO-{several}-v2", f"BDO-{born}-v1-txt"} <= set(objects)
    with zipfile.ZipFile(path) as package:
        for node in objects.values():
            data = package.read(node.findtext(q("Uri")))
            assert node.findtext(q("MessageDigest")) == hashlib.sha512(data).hexdigest()
            assert node.find(q("MessageDigest")).get("algorithm") == "SHA-512"
        assert "Arrêté" in package.read(objects[f"BDO-{born}-v1-txt"].findtext(q("Uri"))).decode()
    master = objects[f"BDO-{odd}-v1"]
    assert master.findtext(f"{q('FileInfo')}/{q('Filename')}") == ODD_NAME
    assert master.findtext(q("Uri")).isascii()
    assert (
        master.findtext(f"{q('FormatIdentification')}/{q('FormatId')}") == "fmt/17"
    )  # reportlab writes PDF 1.3
    scan = objects[f"BDO-{scanned}-v1"]
    assert scan.findtext(f"{q('FormatIdentification')}/{q('MimeType')}") == "image/png"
    unit = next(u for u in root.iter(q("ArchiveUnit")) if u.get("id") == f"AU-{odd}")
    content = unit.find(q("Content"))
    assert content.findtext(q("DescriptionLevel")) == "Item"
    assert content.findtext(q("Title")) == "Délibération n°12"
    assert [k.findtext(q("KeywordContent")) for k in content.iter(q("Keyword"))] == [
        "budget",
        "été",
    ]
    assert unit.findtext(f"{q('Management')}/{q('AppraisalRule')}/{q('FinalAction')}") == "Keep"
    assert unit.findtext(f"{q('Management')}/{q('AccessRule')}/{q('Rule')}") == "AR038"
    with runtime.unit_of_work() as uow:
        actions = [e.action for e in uow.session.query(AuditEvent).order_by(AuditEvent.id)]
    assert "transfer.propose" in actions and "transfer.build" in actions


def test_documents_that_may_not_be_transferred_are_refused_with_the_reason(
    runtime: Runtime, archivist: Principal
) -> None:
    destroy = file(runtime, b"a", "a.txt")
    make_due(runtime, destroy, "destroy")
    later = file(runtime, b"b", "b.txt")
    make_due(runtime, later, "transfer", days_ago=-30)
    held = due_for_transfer(runtime, b"c", "c.txt")
    hold(runtime, held)

    with pytest.raises(InvalidInput) as refused:
        propose(runtime, archivist, {"ids": [destroy, later, held]})

    message = str(refused.value)
    assert f"document {destroy} is not in the transfer queue: its rule ends in 'destroy'" in message
    assert f"document {later} is kept here until" in message
    assert f"document {held} is on legal hold" in message


def test_a_document_on_an_open_transfer_is_not_proposed_again(
    runtime: Runtime, archivist: Principal
) -> None:
    first = due_for_transfer(runtime, b"a", "a.txt")
    second = due_for_transfer(runtime, b"b", "b.txt")
    made = propose(runtime, archivist, {"ids": [first]})

    with pytest.raises(InvalidInput, match=f"already on transfer {made.id}"):
        propose(runtime, archivist, {"ids": [first]})
    queued = propose(runtime, archivist, {"queue": "transfer"})
    assert [item.document_id for item in queued.items] == [second]


def test_the_package_is_refused_while_building_and_gone_when_the_build_failed(
    runtime: Runtime, archivist: Principal
) -> None:
    document_id = due_for_transfer(runtime, b"a", "a.txt")
    made = propose(runtime, archivist, {"ids": [document_id]})
    with runtime.unit_of_work() as uow, pytest.raises(Conflict, match="still being built"):
        package_file(uow, archivist, made.id)
    with runtime.unit_of_work() as uow:
        sha = uow.session.query(Version).filter_by(document_id=document_id).one().blob_sha256
    stored = runtime.settings.storage.path
    for blob in stored.rglob(sha):
        blob.unlink()

    failed = build_transfer(runtime, made.id)

    assert failed.status == "failed" and "missing from the blob store" in (failed.error or "")
    with runtime.unit_of_work() as uow, pytest.raises(Gone, match="could not be built"):
        package_file(uow, archivist, made.id)
    assert not any(runtime.settings.archives.packages_dir.rglob("*.zip"))


def test_a_pdfa_rendition_is_carried_beside_the_original(
    runtime: Runtime, archivist: Principal
) -> None:
    document_id = due_for_transfer(runtime, png("scan"), "scan.png")
    with runtime.unit_of_work() as uow:
        version = uow.session.query(Version).filter_by(document_id=document_id).one()
        stored = uow.blobs.put(io.BytesIO(b"%PDF-1.7\nrendition\n"))
        uow.session.add(Blob(sha256=stored.sha256, size=stored.size))
        uow.session.add(
            Rendition(
                version_id=version.id,
                kind="pdfa",
                blob_sha256=stored.sha256,
                size=stored.size,
                mime_type="application/pdf",
                producer="test",
            )
        )
        uow.commit()

    made = propose(runtime, archivist, {"ids": [document_id]}, pdfa=True)
    built = build_transfer(runtime, made.id)

    with runtime.unit_of_work() as uow:
        path, name = package_file(uow, archivist, built.id)
    assert name == f"{built.message_identifier}.zip"
    objects = objects_of(manifest_of(path))
    assert objects[f"BDO-{document_id}-v1"].findtext(q("DataObjectVersion")) == "BinaryMaster_1"
    assert objects[f"BDO-{document_id}-v1-pdfa"].findtext(q("DataObjectVersion")) == (
        "Dissemination_1"
    )


def test_recovery_queues_again_a_build_whose_job_was_lost(
    runtime: Runtime, archivist: Principal, redis_client
) -> None:
    document_id = due_for_transfer(runtime, b"a", "a.txt")
    made = propose(runtime, archivist, {"ids": [document_id]})
    with runtime.unit_of_work() as uow:
        assert uow.jobs.waiting_transfers([made.id]) == {made.id}
        uow.session.execute(
            update(Transfer)
            .where(Transfer.id == made.id)
            .values(created_at=uow.clock.now() - timedelta(days=1))
        )
        uow.commit()
    redis_client.flushdb()

    with runtime.unit_of_work() as uow:
        assert requeue_building_transfers(uow) == [made.id]
    with runtime.unit_of_work() as uow:
        assert uow.jobs.waiting_transfers([made.id]) == {made.id}
        assert read_transfer(uow, archivist, made.id).status == "building"


def test_the_archives_reply_to_a_built_package_decides_what_became_of_its_documents(
    runtime: Runtime, archivist: Principal
) -> None:
    # The whole round: the package ged built, the reply naming the units of its manifest.
    kept = [due_for_transfer(runtime, b"%PDF-1.4 a\n", f"{n}.pdf") for n in ("a", "b")]
    accepted = build_transfer(runtime, propose(runtime, archivist, {"ids": kept}).id)
    path = runtime.settings.archives.packages_dir / f"{accepted.message_identifier}.zip"
    units = manifest_of(path).iter(q("ArchiveUnit"))
    items = [
        u.get("id")
        for u in units
        if u.findtext(f"{q('Content')}/{q('DescriptionLevel')}") == "Item"
    ]
    answer = {unit: f"FRAD075-{unit}" for unit in items}
    assert sorted(answer) == sorted(f"AU-{document_id}" for document_id in kept)
    with runtime.unit_of_work() as uow:
        record_reply(uow, archivist, reply_xml(accepted.message_identifier, units=answer))

    refused = due_for_transfer(runtime, b"%PDF-1.4 c\n", "c.pdf")
    rejected = build_transfer(runtime, propose(runtime, archivist, {"ids": [refused]}).id)
    with runtime.unit_of_work() as uow:
        reply = reply_xml(rejected.message_identifier, code="KO", comment="Format non conforme")
        record_reply(uow, archivist, reply, rejected.id)

    with runtime.unit_of_work() as uow:
        done = read_transfer(uow, archivist, accepted.id)
        assert done.status == "accepted"
        assert {i.document_id: i.archival_identifier for i in done.items} == {
            d: f"FRAD075-AU-{d}" for d in kept
        }
        assert read_transfer(uow, archivist, rejected.id).status == "rejected"
        transferred = queue_page(uow, archivist, "transferred", Page(1, 50)).items
        assert sorted(entry.document.id for entry in transferred) == kept
        again = queue_page(uow, archivist, "transfer", Page(1, 50)).items
        assert [(e.document.id, e.rejection) for e in again] == [(refused, "Format non conforme")]
    with pytest.raises(InvalidInput, match=f"document {kept[0]} was already transferred"):
        propose(runtime, archivist, {"ids": [kept[0]]})
