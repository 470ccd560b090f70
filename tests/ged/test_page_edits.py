"""Pages work on real SQLite, blob store, tesseract and OpenSearch: each edit is a new
version beside the untouched old one, its pages remember their origin, and the
pipeline carries their text over (word boxes turned with the page) with no OCR run."""

from __future__ import annotations

import io
import logging
import subprocess

import pikepdf
import pytest
from sqlalchemy import select

from ged.models import AuditEvent, Document, Page, PageOrigin, Version
from ged.services.documents import (
    Metadata,
    Upload,
    create_document,
)
from ged.services.page_edits import edit_pages, extract_pages, merge_documents
from ged.services.page_plans import PageChanges
from ged.services.pipeline import process_version
from ged.services.renditions import rendition_of
from tests.ingest.samples import (
    born_digital_pdf,
    page_lines,
    save_image_pdf,
    save_tiff,
    scan_image,
)
from tests.processes import wait_until
from tests.verapdf import validate
from tests.workers.test_pipeline_service import archivist, make_runtime

pytestmark = pytest.mark.services  # tesseract, OpenSearch

WORD = "Plouzévédéenne"
__all__ = ["make_runtime"]


def file_pdf(runtime, content: bytes, title: str) -> Version:
    with runtime.unit_of_work() as uow:
        upload = Upload(io.BytesIO(content), f"{title}.pdf")
        version = create_document(uow, archivist(uow), upload, Metadata(title=title))
    process_version(runtime, version.id)
    return version


def pages_of(runtime, document_id: int, number: int) -> list[Page]:
    with runtime.unit_of_work() as uow:
        version = uow.session.scalars(
            select(Version).filter_by(document_id=document_id, number=number)
        ).one()
        assert version.status == "done", version.error
        return list(version.pages)


def as_archivist(runtime, act):
    with runtime.unit_of_work() as uow:
        return act(uow, archivist(uow))


def blob_of(runtime, version: Version) -> bytes:
    with runtime.adapters.blobs.open(version.blob_sha256) as handle:
        return handle.read()


def events_of(runtime, document_id: int) -> list[AuditEvent]:
    with runtime.unit_of_work() as uow:
        query = select(AuditEvent).where(AuditEvent.object_id == str(document_id))
        return list(uow.session.scalars(query.order_by(AuditEvent.id)))


def test_turning_and_reordering_a_scan_carries_its_ocr_over_with_turned_boxes(
    make_runtime, tmp_path, caplog
):
    runtime = make_runtime()
    first = scan_image(["Registre des délibérations", "", "Séance du conseil"])
    second = scan_image([f"Délibération {WORD}", "", "Voirie communale"])
    scan = save_image_pdf(tmp_path / "scan.pdf", [first, second]).read_bytes()
    original = file_pdf(runtime, scan, "Registre")
    document_id = original.document_id
    before = pages_of(runtime, document_id, 1)
    assert [page.source for page in before] == ["ocr", "ocr"]
    assert WORD in before[1].text and before[1].word_boxes

    changes = PageChanges(rotate={2: 90}, order=(2, 1))
    edited = as_archivist(runtime, lambda uow, who: edit_pages(uow, who, document_id, changes))
    caplog.set_level(logging.INFO, logger="ged.services.pipeline_steps")
    process_version(runtime, edited.id)

    assert edited.number == 2
    assert edited.comment == "page 2 tournée de 90° ; pages remises dans l'ordre 2, 1"
    assert blob_of(runtime, original) == scan, "the original stays as it was"
    with pikepdf.open(io.BytesIO(blob_of(runtime, edited))) as pdf:
        assert [int(page.obj.get("/Rotate", 0)) for page in pdf.pages] == [90, 0]
    after = pages_of(runtime, document_id, 2)
    # No OCR ran: the text, its source, confidence and boxes are the source page's, the
    # boxes turned a quarter clockwise with the page (a new OCR would read other values).
    assert f"version {edited.id}: 2 page(s) read, 0 through OCR (text carried over" in caplog.text
    assert [(page.text, page.source, page.confidence) for page in after] == [
        (before[1].text, "ocr", before[1].confidence),
        (before[0].text, "ocr", before[0].confidence),
    ]
    x0, y0, x1, y1, word = before[1].word_boxes[0]
    assert after[0].word_boxes[0] == [
        round(1 - y1, 4),
        round(x0, 4),
        round(1 - y0, 4),
        round(x1, 4),
        word,
    ]
    assert after[1].word_boxes == before[0].word_boxes
    # its searchable PDF/A too, made of the same pages of the first one's
    with runtime.unit_of_work() as uow:
        rendition = rendition_of(uow.session, edited.id)
        assert rendition is not None and rendition.producer.startswith("pikepdf")
    pdfa = tmp_path / "rendition.pdf"
    with runtime.adapters.blobs.open(rendition.blob_sha256) as handle:
        pdfa.write_bytes(handle.read())
    assert validate(pdfa).compliant, validate(pdfa).failures
    first_page = subprocess.run(
        ["pdftotext", "-f", "1", "-l", "1", "-enc", "UTF-8", str(pdfa), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert WORD in first_page
    with runtime.unit_of_work() as uow:
        origins = uow.session.scalars(select(PageOrigin).filter_by(version_id=edited.id)).all()
        assert [(o.number, o.source_version_id, o.source_number, o.rotation) for o in origins] == [
            (1, original.id, 2, 90),
            (2, original.id, 1, 0),
        ]

    def hits() -> list[dict]:
        return runtime.adapters.index.search(
            q=WORD, acl=None, filters={}, sort="relevance", page=1, size=10
        )["hits"]

    def pages_hit() -> list[tuple[int, int]]:
        return [(hit["id"], h["page"]) for hit in hits() for h in hit["highlights"]]

    # the new version's entry, at the index's next refresh: the word's page is now the first
    wait_until(lambda: pages_hit() == [(document_id, 1)], 10, "search")
    (event,) = [e for e in events_of(runtime, document_id) if e.action == "document.pages.edit"]
    assert event.details["rotate"] == {"2": 90} and event.details["order"] == [2, 1]
    assert event.details["from_version"] == 1 and event.details["version"] == 2
    assert event.details["history"] == edited.comment


def test_extract_and_merge_make_new_documents_recorded_in_each_source(make_runtime, tmp_path):
    runtime = make_runtime()
    three = born_digital_pdf(
        tmp_path / "a.pdf", [page_lines(f"Pièce {n}", seed=n) for n in (1, 2, 3)]
    ).read_bytes()
    two = born_digital_pdf(
        tmp_path / "b.pdf", [page_lines(f"Annexe {n}", seed=10 + n) for n in (1, 2)]
    ).read_bytes()
    a, b = file_pdf(runtime, three, "Dossier"), file_pdf(runtime, two, "Annexes")

    extract = as_archivist(runtime, lambda uow, who: extract_pages(uow, who, a.document_id, [3, 1]))
    merged = as_archivist(
        runtime, lambda uow, who: merge_documents(uow, who, [b.document_id, a.document_id], "Tout")
    )
    process_version(runtime, extract.id)
    process_version(runtime, merged.id)

    source_a = pages_of(runtime, a.document_id, 1)
    source_b = pages_of(runtime, b.document_id, 1)
    assert [p.text for p in pages_of(runtime, extract.document_id, 1)] == [
        source_a[2].text,
        source_a[0].text,
    ]
    assert [p.text for p in pages_of(runtime, merged.document_id, 1)] == [
        p.text for p in (*source_b, *source_a)
    ]
    with runtime.unit_of_work() as uow:
        new = uow.session.get_one(Document, extract.document_id)
        assert (new.title, new.current_version) == ("Dossier (pages 1, 3)", 1)
        assert uow.session.get_one(Document, merged.document_id).title == "Tout"
        assert uow.session.get_one(Document, a.document_id).current_version == 1, "sources stay"
    extract_event = next(
        e for e in events_of(runtime, extract.document_id) if e.action == "document.extract"
    )
    assert extract_event.details["sources"] == [
        {"document": a.document_id, "version": 1, "pages": [3, 1]}
    ]
    assert [
        (e.action, e.details["into"])
        for e in events_of(runtime, a.document_id)
        if "into" in e.details
    ] == [
        ("document.pages.extracted", extract.document_id),
        ("document.merged", merged.document_id),
    ]
    assert [e.action for e in events_of(runtime, b.document_id) if "into" in e.details] == [
        "document.merged"
    ]


def test_a_scanned_tiff_is_edited_through_its_pdfa_and_becomes_a_pdf_version(
    make_runtime, tmp_path
):
    runtime = make_runtime()
    pages = [
        scan_image(["Courrier arrivé", "", "Objet : voirie"]),
        scan_image([f"Réclamation {WORD}", "", "Chemin communal"]),
    ]
    tiff = save_tiff(tmp_path / "courrier.tiff", pages).read_bytes()
    with runtime.unit_of_work() as uow:
        upload = Upload(io.BytesIO(tiff), "courrier.tiff")
        original = create_document(uow, archivist(uow), upload, Metadata(title="Courrier"))
    process_version(runtime, original.id)
    before = pages_of(runtime, original.document_id, 1)

    edited = as_archivist(
        runtime,
        lambda uow, who: edit_pages(uow, who, original.document_id, PageChanges(delete={1})),
    )
    process_version(runtime, edited.id)

    assert (edited.mime_type, edited.filename) == ("application/pdf", "courrier.pdf")
    (after,) = pages_of(runtime, original.document_id, 2)
    assert (after.text, after.source, after.confidence) == (
        before[1].text,
        "ocr",
        before[1].confidence,
    )
    assert WORD in after.text
    with pikepdf.open(io.BytesIO(blob_of(runtime, edited))) as pdf:
        assert len(pdf.pages) == 1
    assert blob_of(runtime, original) == tiff
