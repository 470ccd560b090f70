"""A document made of another's pages outlives it: when the source is destroyed after
its visa, the extract keeps its version and its pages, and only forgets where they came
from (page_origins.source_version_id set to NULL), on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import select

from ged.models import Document, PageOrigin
from ged.services.destruction import execute_list
from ged.services.page_edits import extract_pages
from tests.ged import disposal_setup
from tests.ged.disposal_setup import People, file, make_due
from tests.ged.test_disposal import approve, propose
from tests.ingest.samples import born_digital_pdf, page_lines

runtime = disposal_setup.runtime
people = disposal_setup.people


def test_destroying_the_source_keeps_the_extract_and_forgets_its_origin(
    runtime, people: People, tmp_path
):
    pages = [page_lines(f"Pièce {n}", seed=n, paragraphs=1) for n in (1, 2)]
    source = file(
        runtime, people.archivist, born_digital_pdf(tmp_path / "a.pdf", pages).read_bytes()
    )
    with runtime.unit_of_work() as uow:
        made = extract_pages(uow, people.archivist, source, [2])
    make_due(runtime, source)
    list_id = propose(runtime, people.archivist, [source])
    approve(runtime, people.authority, list_id)

    execute_list(runtime, list_id)

    with runtime.unit_of_work() as uow:
        session = uow.session
        assert session.get_one(Document, source).status == "destroyed"
        kept = session.get_one(Document, made.document_id)
        assert kept.status == "active" and kept.current_version == 1
        (origin,) = session.scalars(select(PageOrigin).filter_by(version_id=made.id)).all()
        assert (origin.number, origin.source_version_id, origin.source_number) == (1, None, 2)
    assert runtime.adapters.blobs.exists(made.blob_sha256)
