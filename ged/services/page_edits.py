"""Pages work: rotate, reorder and delete pages of a document, extract pages into a new
document, merge documents into a new one. Each makes a new version (the versions it
starts from stay as they are, in the content-addressed store), whose pages remember
where they come from (PageOrigin), so that the pipeline carries their text over rather
than reading them again (ged.services.page_text); each is in the history of every
document it touches, in French in the version's comment and in the audit trail.

The PDF is put together with no lock held (it may take a while for a long scan); the
document is then locked, and the edit applies only if its current version is still the
one the PDF was made from, and, with ``expected_revision``, if the document is still at
the revision the caller read (If-Match).
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from contextlib import ExitStack
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from ged.access import Principal, require_document, require_filing
from ged.audit.chain import record
from ged.errors import Conflict, InvalidInput, PreconditionFailed
from ged.models import Blob, Document, PageOrigin, Version
from ged.services.document_fields import MAX_TITLE, clean_title
from ged.services.documents import (
    _grant_on_filing,
    _new_version,
    _next_version_number,
    _require_active,
    _version_details,
    store_blob,
)
from ged.services.due_dates import assign_retention
from ged.services.page_plans import (
    PageChanges,
    describe_changes,
    describe_extract,
    describe_extracted,
    describe_merge,
    describe_merged,
    plan_changes,
    plan_extract,
    ranges,
)
from ged.services.renditions import PDFA, rendition_of
from ged.services.revisions import document_for_change
from ged.uow import UnitOfWork
from ingest.page_edit import PagePick, UnreadablePdf, assemble, count_pages

PDF = "application/pdf"
#: the audit actions of an extract and a merge: on the new document, on each source
_ACTIONS = {
    "extract": ("document.extract", "document.pages.extracted"),
    "merge": ("document.merge", "document.merged"),
}
#: the longest mention of the pages an extract's default title ends with
MAX_SUFFIX = 80
#: the fewest and the most documents one merge takes
MERGE_MIN, MERGE_MAX = 2, 50


def edit_pages(
    uow: UnitOfWork,
    principal: Principal,
    document_id: int,
    changes: PageChanges,
    comment: str = "",
    expected_revision: int | None = None,
) -> Version:
    """Turn, reorder and delete pages of the current version, as a new version."""
    session = uow.session
    current = _editable_version(uow, principal, document_id, "write")
    if expected_revision is not None and current.document.revision != expected_revision:
        # said before the pages are checked: they are another document's now
        raise PreconditionFailed(document_id, expected_revision, current.document.revision)
    picks = plan_changes(changes, _count(uow, current))
    described = describe_changes(changes)
    blob, mime_type = _assemble(uow, [current], picks)
    document = document_for_change(session, principal, document_id, "write", expected_revision)
    _still_current(document, current)
    document, number = _next_version_number(session, document_id)
    version = _new_version(
        session,
        document,
        number,
        blob,
        mime_type,
        _filename(current),
        comment or described,
        principal,
    )
    session.flush()
    _record_origins(uow, version, [current], picks)
    record(
        session,
        principal,
        "document.pages.edit",
        object_type="document",
        object_id=document_id,
        details={
            **_version_details(version),
            "from_version": current.number,
            "rotate": {str(page): angle for page, angle in sorted(changes.rotate.items())},
            "delete": sorted(changes.delete),
            "order": [pick.number for pick in picks],
            "history": described,
        },
    )
    uow.enqueue_pipeline([version.id])
    uow.commit()
    return version


def extract_pages(
    uow: UnitOfWork,
    principal: Principal,
    document_id: int,
    pages: Sequence[int],
    title: str | None = None,
) -> Version:
    """A new document of some pages of a readable document's current version, filed in
    the source's unit (the caller must be allowed to file there), with its type, tags and
    date; the source keeps its pages and records the extract in its history."""
    current = _editable_version(uow, principal, document_id, "read")
    source = current.document
    _require_filing_like(uow, principal, source)
    picks = plan_extract(pages, _count(uow, current))
    named = f" (pages {ranges(pages)})"
    suffix = named if len(named) <= MAX_SUFFIX else f" ({len(pages)} pages)"
    title = clean_title(title) if title else _titled(source.title, suffix)
    described = describe_extract(pages, document_id, current.number)
    blob, mime_type = _assemble(uow, [current], picks)
    version = _new_document(uow, principal, source, title, (blob, mime_type), current, described)
    _record_origins(uow, version, [current], picks)
    origin = {"document": document_id, "version": current.number, "pages": list(pages)}
    told = describe_extracted(pages, version.document_id)
    _record_both(uow, principal, version, "extract", [origin], title, told)
    uow.commit()
    return version


def merge_documents(
    uow: UnitOfWork, principal: Principal, document_ids: Sequence[int], title: str | None = None
) -> Version:
    """A new document of every page of the current versions of readable documents, in
    the order given, filed in the first one's unit; each source records it."""
    if not MERGE_MIN <= len(document_ids) <= MERGE_MAX:
        raise InvalidInput(
            f"a merge takes {MERGE_MIN} to {MERGE_MAX} documents, not {len(document_ids)}",
            field="documents",
        )
    # Each readable (or 404) before anything is said of the list.
    currents = [
        _editable_version(uow, principal, id_, "read") for id_ in dict.fromkeys(document_ids)
    ]
    if len(currents) != len(document_ids):
        raise InvalidInput("each document is named once", field="documents")
    _require_filing_like(uow, principal, currents[0].document)
    counts = [_count(uow, version) for version in currents]
    picks = [
        PagePick(index, number)
        for index, count in enumerate(counts)
        for number in range(1, count + 1)
    ]
    first = currents[0].document
    title = clean_title(title) if title else _titled(first.title, " (fusion)")
    described = describe_merge(document_ids)
    made = _assemble(uow, currents, picks)
    version = _new_document(uow, principal, first, title, made, currents[0], described)
    _record_origins(uow, version, currents, picks)
    sources = [
        {"document": v.document_id, "version": v.number, "pages": count}
        for v, count in zip(currents, counts, strict=True)
    ]
    told = describe_merged(version.document_id)
    _record_both(uow, principal, version, "merge", sources, title, told)
    uow.commit()
    return version


# ---------------------------------------------------------------- helpers


def _editable_version(
    uow: UnitOfWork, principal: Principal, document_id: int, permission: str
) -> Version:
    document = require_document(uow.session, principal, document_id, permission)
    _require_active(document)
    version = uow.session.scalars(
        select(Version).where(
            Version.document_id == document_id, Version.number == document.current_version
        )
    ).one()
    _pdf_of(uow, version)  # refused here, before anything else is checked
    return version


def has_editable_pages(uow: UnitOfWork, version: Version) -> bool:
    """Whether a page edit can take the version's pages (a PDF, or a scan with its PDF/A)."""
    return version.mime_type == PDF or rendition_of(uow.session, version.id, PDFA) is not None


def _pdf_of(uow: UnitOfWork, version: Version) -> str:
    """The digest of the PDF whose pages a page edit takes: the version's own, or for a
    scanned image (a TIFF of several pages, a PNG) its PDF/A rendition, the same page
    images under their OCR text; InvalidInput when there is neither."""
    if version.mime_type == PDF:
        return version.blob_sha256
    rendition = rendition_of(uow.session, version.id, PDFA)
    if rendition is None:
        raise InvalidInput(
            f"document {version.document_id} is a {version.mime_type}, not a PDF, and has "
            "no PDF/A rendition (yet): its pages cannot be edited",
            field="document",
        )
    return rendition.blob_sha256


def _filename(version: Version) -> str:
    """The new version's file name: the source's, as a PDF."""
    if version.mime_type == PDF:
        return version.filename
    return f"{version.filename.rsplit('.', 1)[0]}.pdf"


def _count(uow: UnitOfWork, version: Version) -> int:
    with uow.blobs.local_file(_pdf_of(uow, version)) as path:
        try:
            return count_pages(path)
        except UnreadablePdf as exc:
            raise Conflict(
                f"document {version.document_id}: version {version.number} cannot be read "
                f"as a PDF, its pages cannot be edited ({exc})"
            ) from exc


def _assemble(uow: UnitOfWork, sources: list[Version], picks: list[PagePick]) -> tuple[Blob, str]:
    """The new PDF, stored in the blob store (its row still to be written)."""
    blobs = uow.blobs
    with ExitStack() as stack:
        paths = [stack.enter_context(blobs.local_file(_pdf_of(uow, v))) for v in sources]
        target = Path(stack.enter_context(tempfile.TemporaryDirectory())) / "pages.pdf"
        try:
            assemble(paths, picks, target)
        except UnreadablePdf as exc:
            raise Conflict(f"the pages cannot be put together: {exc}") from exc
        with target.open("rb") as stream:
            return store_blob(uow, stream)


def _titled(title: str, suffix: str) -> str:
    """A default title: the source's, cut to leave room for what tells them apart."""
    return title[: MAX_TITLE - len(suffix)] + suffix


def _still_current(document: Document, read: Version) -> None:
    if document.current_version != read.number:
        raise Conflict(
            f"document {document.id} got version {document.current_version} while its pages "
            f"were edited from version {read.number}; edit them again on what it is now"
        )


def _new_document(
    uow: UnitOfWork,
    principal: Principal,
    like: Document,
    title: str,
    made: tuple[Blob, str],
    source: Version,
    comment: str,
) -> Version:
    """The new document of an extract or a merge, filed like ``like`` (its unit, type,
    tags and date), the caller holding manage on it as on what they file."""
    session = uow.session
    blob, mime_type = made
    document = Document(
        title=title,
        document_type=like.document_type,
        unit=like.unit,
        tags=list(like.tags),
        document_date=like.document_date,
        current_version=1,
        created_by_id=principal.user_id,
        created_at=datetime.now(UTC),
        classification_source="manual" if like.classification_source == "manual" else None,
    )
    session.add(document)
    assign_retention(session, document)
    _grant_on_filing(session, principal, document, {})
    version = _new_version(
        session, document, 1, blob, mime_type, _filename(source), comment, principal
    )
    session.flush()
    return version


def _require_filing_like(uow: UnitOfWork, principal: Principal, like: Document) -> None:
    """The new document of an extract or a merge is filed in the unit of its (first)
    source: the caller must be allowed to file there."""
    where = f"unit {like.unit.name!r}" if like.unit else "the archive"
    require_filing(uow.session, principal, like.unit_id, where)


def _record_origins(
    uow: UnitOfWork, version: Version, sources: list[Version], picks: list[PagePick]
) -> None:
    uow.session.add_all(
        PageOrigin(
            version_id=version.id,
            number=number,
            source_version_id=sources[pick.source].id,
            source_number=pick.number,
            rotation=pick.rotation,
        )
        for number, pick in enumerate(picks, start=1)
    )


def _record_both(
    uow: UnitOfWork,
    principal: Principal,
    version: Version,
    kind: str,
    sources: list[dict],
    title: str,
    told: str,
) -> None:
    """The new document's filing, naming its sources, and in each source's history
    the document made of its pages, ``told`` (``history``: what the history page says,
    in French)."""
    session = uow.session
    filed, recorded = _ACTIONS[kind]
    record(
        session,
        principal,
        filed,
        object_type="document",
        object_id=version.document_id,
        details={
            **_version_details(version),
            "title": title,
            "sources": sources,
            "history": version.comment,
        },
    )
    for source in sources:
        record(
            session,
            principal,
            recorded,
            object_type="document",
            object_id=source["document"],
            details={
                **source,
                "into": version.document_id,
                "history": told,
            },
        )
    uow.enqueue_pipeline([version.id])
