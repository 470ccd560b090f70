"""Scanned batches as their services run them, on SQLite and PostgreSQL with real Redis:
split exactly at separator sheets (one fed upside down, one skewed), no separator is one
document, filing barcodes, blank pages, resumption without duplicates, who sees a batch,
re-split as new versions, bad files refused.

``split_batch`` runs in-process here, as the worker's job calls it (a real ``ged worker``
killed mid-split is in tests/workers/test_batch_split_process.py).
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import pikepdf
import pytest
from sqlalchemy import func, select

from ged.access import Principal, command_line, principal_for
from ged.bootstrap import Runtime
from ged.errors import InvalidInput, NotFound, PermissionDenied
from ged.models import AuditEvent, Batch, Document, Version
from ged.services.batch_split import requeue_abandoned_batches, split_batch
from ged.services.batches import read_batch, resplit_batch, submit_batch
from ged.services.documents import Metadata, Upload
from ged.services.pipeline import process_version
from ged.services.users import create_unit, create_user
from ingest.sheets import Sheet
from tests.ged.lifecycle_setup import runtime
from tests.ingest.batches import Letter, batch_pages, save_batch

__all__ = ["runtime"]

PASSWORD = "mot de passe de test"


@dataclass(frozen=True)
class People:
    agent: Principal
    other: Principal
    archivist: Principal


@pytest.fixture
def people(runtime: Runtime) -> People:
    operator = command_line()
    with runtime.unit_of_work() as uow:
        create_unit(uow, operator, "Finances")
    found = {}
    for name, role in [("agent", "agent"), ("autre", "agent"), ("archives", "archivist")]:
        with runtime.unit_of_work() as uow:
            found[name] = principal_for(create_user(uow, operator, name, role, PASSWORD, ()))
    return People(found["agent"], found["autre"], found["archives"])


def submit(runtime: Runtime, who: Principal, path: Path, **options) -> int:
    with runtime.unit_of_work() as uow:
        upload = Upload(io.BytesIO(path.read_bytes()), path.name)
        return submit_batch(uow, who, upload, Metadata(), **options).id


def split(runtime: Runtime, batch_id: int) -> Batch:
    split_batch(runtime, batch_id)
    with runtime.unit_of_work() as uow:
        batch = uow.session.get_one(Batch, batch_id)
        for segment in batch.segments:
            _ = segment.document
        uow.session.expunge_all()
    return batch


def ranges(batch: Batch) -> list[tuple[int, int]]:
    return [(segment.first_page, segment.last_page) for segment in batch.segments]


def page_counts(runtime: Runtime, batch: Batch) -> list[int]:
    counts = []
    with runtime.unit_of_work() as uow:
        for segment in batch.segments:
            version = uow.session.scalars(
                select(Version).where(Version.document_id == segment.document_id)
            ).one()
            with uow.blobs.open(version.blob_sha256) as handle, pikepdf.open(handle) as pdf:
                counts.append(len(pdf.pages))
    return counts


def test_a_batch_is_split_exactly_at_its_separators_whatever_their_feed(runtime, people, tmp_path):
    letters = [
        Letter(pages=2),
        Letter(pages=1, feed="upside_down"),
        Letter(pages=3, feed="skewed"),
        Letter(pages=1, feed="quarter"),
        Letter(pages=2),
    ]
    path = save_batch(batch_pages(letters), tmp_path / "courrier.pdf")
    batch = split(runtime, submit(runtime, people.agent, path))
    assert batch.status == "done", batch.error
    assert batch.page_count == 14
    assert ranges(batch) == [(2, 3), (5, 5), (7, 9), (11, 11), (13, 14)]
    assert page_counts(runtime, batch) == [2, 1, 3, 1, 2]
    assert all(segment.document.created_by_id == people.agent.user_id for segment in batch.segments)
    with runtime.unit_of_work() as uow:
        queued = uow.session.scalar(select(func.count()).select_from(Version))
    assert queued == 5


def test_a_stack_of_twenty_letters_is_twenty_documents(runtime, people, tmp_path):
    feeds = ["upright", "upside_down", "skewed", "quarter"]
    letters = [Letter(pages=1 + n % 2, feed=feeds[n % 4]) for n in range(20)]
    batch = split(
        runtime,
        submit(runtime, people.agent, save_batch(batch_pages(letters), tmp_path / "pile.pdf")),
    )
    assert (batch.status, batch.page_count) == ("done", 50)
    assert page_counts(runtime, batch) == [letter.pages for letter in letters]
    first_pages = [segment.first_page for segment in batch.segments]
    # Each letter starts right after its separator sheet, which no document keeps.
    expected, page = [], 1
    for letter in letters:
        expected.append(page + 1)
        page += 1 + letter.pages
    assert first_pages == expected


def test_a_grey_300_dpi_tiff_is_split_as_exactly(runtime, people, tmp_path):
    letters = [Letter(pages=1, blank_after=True), Letter(feed="upside_down"), Letter(feed="skewed")]
    pages = batch_pages(letters, dpi=300)
    batch = split(
        runtime,
        submit(
            runtime, people.agent, save_batch(pages, tmp_path / "lot.tif", 300), drop_blank=True
        ),
    )
    assert (batch.status, batch.page_count) == ("done", 7)
    assert ranges(batch) == [(2, 2), (5, 5), (7, 7)]


def test_a_batch_without_separator_is_one_document(runtime, people, tmp_path):
    path = save_batch(batch_pages([Letter(pages=3, sheet=None)]), tmp_path / "lettre.tif")
    batch = split(runtime, submit(runtime, people.agent, path))
    assert (batch.status, ranges(batch)) == ("done", [(1, 3)])


def test_a_filing_barcode_sets_type_unit_and_tags_with_source_barcode(runtime, people, tmp_path):
    cover = Sheet(document_type="facture", unit="Finances", tags=("urgent",), reference="2026-123")
    letters = [
        Letter(pages=1, sheet=cover),
        Letter(pages=1),
        Letter(pages=1, sheet=Sheet(unit="Inconnue")),
    ]
    path = save_batch(batch_pages(letters), tmp_path / "factures.pdf")
    batch = split(runtime, submit(runtime, people.archivist, path))
    first, second, third = batch.segments
    assert first.barcode == {
        "type": "facture",
        "unit": "Finances",
        "tags": ["urgent"],
        "ref": "2026-123",
    }
    with runtime.unit_of_work() as uow:
        document = uow.session.get_one(Document, first.document_id)
        assert document.document_type.code == "facture"
        assert document.classification_source == "barcode"
        assert document.unit.name == "Finances"
        assert [tag.name for tag in document.tags] == ["urgent"]
        assert uow.session.get_one(Document, second.document_id).unit is None
    assert third.barcode["ignored"] == "unknown unit 'Inconnue'"
    # The pipeline's classifier leaves a type read on a barcode as it is.
    with runtime.unit_of_work() as uow:
        version_id = uow.session.scalars(
            select(Version.id).where(Version.document_id == first.document_id)
        ).one()
    process_version(runtime, version_id)
    with runtime.unit_of_work() as uow:
        document = uow.session.get_one(Document, first.document_id)
        assert (document.document_type.code, document.classification_source) == (
            "facture",
            "barcode",
        )


def test_blank_pages_are_removed_when_asked(runtime, people, tmp_path):
    letters = [Letter(pages=2, blank_after=True), Letter(pages=1, blank_after=True)]
    path = save_batch(batch_pages(letters), tmp_path / "recto.pdf")
    kept = split(runtime, submit(runtime, people.agent, path, drop_blank=True))
    assert ranges(kept) == [(2, 3), (6, 6)]
    path2 = save_batch(batch_pages(letters, seed=7), tmp_path / "recto2.pdf")
    not_dropped = split(runtime, submit(runtime, people.agent, path2))
    assert ranges(not_dropped) == [(2, 4), (6, 7)]


def test_a_split_taken_up_again_files_each_segment_once(runtime, people, tmp_path):
    path = save_batch(batch_pages([Letter(pages=1)] * 4), tmp_path / "lot.pdf")
    batch_id = submit(runtime, people.agent, path)
    split(runtime, batch_id)
    # As if the worker had died: the batch is open again, nothing waits in the queue.
    with runtime.unit_of_work() as uow:
        uow.session.get_one(Batch, batch_id).status = "running"
        uow.commit()
    again = split(runtime, batch_id)
    assert again.status == "done"
    with runtime.unit_of_work() as uow:
        assert uow.session.scalar(select(func.count()).select_from(Document)) == 4
        assert requeue_abandoned_batches(uow) == []


def test_a_batch_is_seen_by_its_submitter_and_archivists_only(runtime, people, tmp_path):
    path = save_batch(batch_pages([Letter(pages=1)]), tmp_path / "lot.pdf")
    batch_id = submit(runtime, people.agent, path)
    for who in (people.agent, people.archivist):
        with runtime.unit_of_work() as uow:
            assert read_batch(uow, who, batch_id).id == batch_id
    with runtime.unit_of_work() as uow, pytest.raises(NotFound):
        read_batch(uow, people.other, batch_id)


def test_a_resplit_makes_new_versions_and_new_documents(runtime, people, tmp_path):
    path = save_batch(batch_pages([Letter(pages=3), Letter(pages=1)]), tmp_path / "lot.pdf")
    batch = split(runtime, submit(runtime, people.agent, path))
    assert ranges(batch) == [(2, 4), (6, 6)]
    with runtime.unit_of_work() as uow, pytest.raises(PermissionDenied):
        resplit_batch(uow, people.agent, batch.id, [(2, 3), (4, 4), (6, 6)])
    with runtime.unit_of_work() as uow:
        resplit_batch(uow, people.archivist, batch.id, [(2, 3), (4, 4), (6, 6)])
    with runtime.unit_of_work() as uow:
        after = uow.session.get_one(Batch, batch.id)
        assert ranges(after) == [(2, 3), (4, 4), (6, 6)]
        first, second, third = after.segments
        assert first.document.current_version == 2
        assert second.document_id not in (first.document_id, third.document_id)
        assert third.document.current_version == 1
        events = uow.session.scalars(
            select(AuditEvent.action).where(AuditEvent.object_type == "batch")
        )
        assert list(events) == [
            "batch.submit",
            "batch.segment.file",
            "batch.segment.file",
            "batch.segment.file",  # the extra range, in the re-split
            "batch.resplit",
        ]
    with runtime.unit_of_work() as uow, pytest.raises(InvalidInput, match="overlap"):
        resplit_batch(uow, people.archivist, batch.id, [(2, 4), (3, 6)])


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"Un simple texte.\n", "must be a PDF or a TIFF"),
        (b"%PDF-1.4\n%%EOF\n", "damaged"),
    ],
)
def test_files_that_are_no_batch_are_refused(runtime, people, tmp_path, content, reason):
    path = tmp_path / "mauvais.pdf"
    path.write_bytes(content)
    with pytest.raises(InvalidInput, match=reason):
        submit(runtime, people.agent, path)


def test_an_encrypted_pdf_is_refused(runtime, people, tmp_path):
    path = save_batch(batch_pages([Letter(pages=1)]), tmp_path / "lot.pdf")
    with pikepdf.open(path) as pdf:
        pdf.save(
            tmp_path / "chiffre.pdf", encryption=pikepdf.Encryption(user="secret", owner="secret")
        )
    with pytest.raises(InvalidInput, match="encrypted"):
        submit(runtime, people.agent, tmp_path / "chiffre.pdf")
