"""The documents a caller may read, filtered and sorted, page by page: what a scanner
station or a sync script asks when it has no words to search for. Read from the
database, so documents still in the pipeline are listed too."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import date, datetime

from sqlalchemy import Select, and_, select
from sqlalchemy.orm import selectinload

from ged.access import Principal, allowed, authorize
from ged.audit.chain import record
from ged.models import Document, DocumentType, Tag, Unit, Version
from ged.services.paging import Page, PageOf, paginate
from ged.uow import UnitOfWork

SORTS = ("date", "updated")


@dataclass(frozen=True)
class ListFilters:
    document_types: Sequence[str] = ()
    units: Sequence[str] = ()
    #: the documents carrying every one of these tags
    tags: Sequence[str] = ()
    mime_types: Sequence[str] = ()
    date_from: date | None = None
    date_to: date | None = None
    updated_since: datetime | None = None
    sort: str = "date"

    def as_details(self) -> dict[str, object]:
        """The filters given, for the audit event."""
        given = {name: value for name, value in asdict(self).items() if value}
        return {
            name: value.isoformat() if isinstance(value, date | datetime) else value
            for name, value in given.items()
        }


def list_documents(
    uow: UnitOfWork, principal: Principal, filters: ListFilters, page: Page
) -> PageOf[tuple[Document, Version]]:
    """One page of readable active documents with their current version; audited with
    its filters and count, as a search is."""
    session = uow.session
    query = _sorted(_filtered(select(Document), filters).where(allowed(principal, "read")), filters)
    found = paginate(
        session,
        query.options(selectinload(Document.tags), selectinload(Document.batch_segment)),
        page,
    )
    versions = _current_versions(uow, found.items)
    record(
        session,
        principal,
        "document.list",
        details={"filters": filters.as_details(), "page": page.number, "hits": found.total},
    )
    uow.commit()
    pairs = [(document, versions[document.id]) for document in found.items]
    return PageOf(pairs, found.total, found.page, found.size)


def list_deleted(uow: UnitOfWork, principal: Principal, page: Page) -> PageOf[Document]:
    """The deleted documents, last deleted first, for those who may restore them (the
    corbeille); audited as a list of documents."""
    authorize(principal, "document.deleted.list")
    query = (
        select(Document)
        .where(Document.status == "deleted", allowed(principal, "manage"))
        .order_by(Document.deleted_at.desc(), Document.id.desc())
    )
    found = paginate(uow.session, query, page)
    record(
        uow.session,
        principal,
        "document.list",
        details={"status": "deleted", "page": page.number, "hits": found.total},
    )
    uow.commit()
    return found


def _filtered(query: Select, filters: ListFilters) -> Select:
    query = query.where(Document.status == "active")
    if filters.document_types:
        codes = select(DocumentType.id).where(DocumentType.code.in_(filters.document_types))
        query = query.where(Document.document_type_id.in_(codes))
    if filters.units:
        query = query.where(
            Document.unit_id.in_(select(Unit.id).where(Unit.name.in_(filters.units)))
        )
    for name in dict.fromkeys(filters.tags):
        query = query.where(Document.tags.any(Tag.name == name))
    if filters.mime_types:
        current = and_(
            Version.document_id == Document.id,
            Version.number == Document.current_version,
            Version.mime_type.in_(filters.mime_types),
        )
        query = query.where(select(Version.id).where(current).exists())
    if filters.date_from is not None:
        query = query.where(Document.document_date >= filters.date_from)
    if filters.date_to is not None:
        query = query.where(Document.document_date <= filters.date_to)
    if filters.updated_since is not None:
        query = query.where(Document.updated_at >= filters.updated_since)
    return query


def _sorted(query: Select, filters: ListFilters) -> Select:
    if filters.sort == "updated":
        # Oldest change first: a sync script walks pages forward without missing any.
        return query.order_by(Document.updated_at, Document.id)
    return query.order_by(Document.document_date.desc().nulls_last(), Document.id.desc())


def _current_versions(uow: UnitOfWork, documents: list[Document]) -> dict[int, Version]:
    if not documents:
        return {}
    query = (
        select(Version)
        .join(Document, Document.id == Version.document_id)
        .where(Version.document_id.in_([d.id for d in documents]))
        .where(Version.number == Document.current_version)
        .options(selectinload(Version.created_by))
    )
    return {version.document_id: version for version in uow.session.scalars(query)}
