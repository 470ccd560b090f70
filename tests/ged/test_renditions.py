"""Renditions as stored data: found for a version, destroyed with their document (rows and
blobs, listed in the tombstone), kept while another document still uses the same bytes,
and checked by fsck like any blob. The rendition here is stored directly: making one from
a scan is tested in tests/ingest/test_pdfa.py and through the pipeline in tests/workers."""

from __future__ import annotations

import hashlib
import io

from sqlalchemy import select

from ged.access import command_line
from ged.models import Blob, Rendition, Tombstone, Version
from ged.services.destruction import execute_list
from ged.services.maintenance import check_blobs
from ged.services.renditions import NewRendition, rendition_of, save_rendition
from tests.ged import disposal_setup
from tests.ged.disposal_setup import People, file, make_due
from tests.ged.test_disposal import approve, propose

runtime = disposal_setup.runtime
people = disposal_setup.people


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def give_rendition(runtime, document_id: int, content: bytes) -> int:
    stored = runtime.adapters.blobs.put(io.BytesIO(content))
    with runtime.unit_of_work() as uow:
        version_id = uow.session.scalar(select(Version.id).filter_by(document_id=document_id))
        new = NewRendition("pdfa", stored, "application/pdf", "tesseract 5 + pikepdf 10")
        save_rendition(uow.session, version_id, "pdfa", new)
        uow.commit()
    return version_id


def test_a_rendition_is_found_for_its_version_and_replaced_not_added(runtime, people: People):
    document_id = file(runtime, people.archivist, b"scan")
    version_id = give_rendition(runtime, document_id, b"%PDF-1.7 first")
    give_rendition(runtime, document_id, b"%PDF-1.7 second")  # a resumed extract step

    with runtime.unit_of_work() as uow:
        found = rendition_of(uow.session, version_id)
        assert found is not None and found.blob_sha256 == sha(b"%PDF-1.7 second")
        assert found.size == len(b"%PDF-1.7 second") and found.mime_type == "application/pdf"
        assert len(uow.session.scalars(select(Rendition)).all()) == 1
        assert rendition_of(uow.session, version_id + 1000) is None


def test_fsck_checks_rendition_blobs(runtime, people: People):
    document_id = file(runtime, people.archivist, b"scan")
    give_rendition(runtime, document_id, b"%PDF-1.7 rendition")
    with runtime.unit_of_work() as uow:
        assert check_blobs(uow, command_line()).clean

    runtime.adapters.blobs.delete(sha(b"%PDF-1.7 rendition"))

    with runtime.unit_of_work() as uow:
        report = check_blobs(uow, command_line())
    assert report.missing == (sha(b"%PDF-1.7 rendition"),)


def test_destruction_removes_renditions_and_their_blobs_and_lists_them(runtime, people: People):
    destroyed = file(runtime, people.archivist, b"scan a detruire")
    give_rendition(runtime, destroyed, b"%PDF-1.7 rendition a detruire")
    # Someone filed the downloaded PDF/A of another scan as a document of its own.
    shared = b"%PDF-1.7 rendition partagee"
    copied = file(runtime, people.archivist, b"scan partage")
    give_rendition(runtime, copied, shared)
    kept = file(runtime, people.archivist, shared, title="Copie du PDF/A")
    for document_id in (destroyed, copied):
        make_due(runtime, document_id)
    list_id = propose(runtime, people.archivist, [destroyed, copied])
    approve(runtime, people.authority, list_id)

    execute_list(runtime, list_id)

    store = runtime.adapters.blobs
    assert not store.exists(sha(b"%PDF-1.7 rendition a detruire"))
    assert store.exists(sha(shared))  # still the version of the document kept
    with runtime.unit_of_work() as uow:
        session = uow.session
        assert session.scalars(select(Rendition)).all() == []
        assert session.get(Blob, sha(b"%PDF-1.7 rendition a detruire")) is None
        assert session.scalar(select(Version.id).filter_by(document_id=kept)) is not None
        (version,) = session.get_one(Tombstone, destroyed).versions
        assert version["renditions"] == [
            {
                "kind": "pdfa",
                "sha256": sha(b"%PDF-1.7 rendition a detruire"),
                "size": len(b"%PDF-1.7 rendition a detruire"),
            }
        ]
        assert (
            sha(b"%PDF-1.7 rendition a detruire") in session.get_one(Tombstone, destroyed).forgotten
        )
    with runtime.unit_of_work() as uow:
        assert check_blobs(uow, command_line()).clean
