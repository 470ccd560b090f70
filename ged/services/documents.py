"""Documents and their versions: upload, new version, restore, metadata, delete.

Every function takes the unit of work, the caller's Principal and plain values,
checks access through ged.access, records its audit event and commits once; what
must follow the commit (the pipeline of a new version, the index entry of a changed
document) is registered on the unit of work, which runs it only once committed.
Bytes go to the blob store before the transaction that references them, so a failure
can leave at most an unreferenced blob (reported by ``ged fsck``), never a version
without bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import BinaryIO

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ged.access import Principal, may_file_into_unit, require_document, require_filing
from ged.audit.chain import edit_details, record
from ged.db import dialect_insert
from ged.errors import Conflict, Gone, InvalidInput, PermissionDenied, VersionNotFound
from ged.models import PERMISSIONS, Blob, Document, Grant, Group, Version
from ged.services.document_fields import (
    clean_filename,
    clean_title,
    tags_named,
    title_from,
    type_coded,
    unit_named,
)
from ged.services.due_dates import assign_retention
from ged.services.holds import refuse_if_held
from ged.services.paging import Page, PageOf, paginate
from ged.services.revisions import document_for_change
from ged.services.webhooks import emit_document_event
from ged.uow import UnitOfWork
from ingest.detect import HEAD_SIZE, detect_mime


@dataclass(frozen=True)
class Upload:
    stream: BinaryIO
    filename: str


@dataclass(frozen=True)
class Metadata:
    """Fields an agent sets; None leaves a field as it is (or at its default on creation)."""

    title: str | None = None
    document_type: str | None = None
    unit: str | None = None
    tags: tuple[str, ...] | None = None
    document_date: date | None = None


def create_document(
    uow: UnitOfWork,
    principal: Principal,
    upload: Upload,
    metadata: Metadata,
    group_grants: Mapping[str, str] | None = None,
) -> Version:
    """File a new document with its first version, queued for the pipeline.

    ``group_grants`` maps group names to a permission given on the document
    (a watched folder's owner group, for instance)."""
    version = add_document(uow, principal, upload, metadata, group_grants)
    uow.commit()
    return version


def add_document(
    uow: UnitOfWork,
    principal: Principal,
    upload: Upload,
    metadata: Metadata,
    group_grants: Mapping[str, str] | None = None,
) -> Version:
    """``create_document`` without the commit: for a caller that files a document with what
    must change in the same transaction (the other documents of one e-mail message, the
    segment of a batch that the document files)."""
    session = uow.session
    filename = clean_filename(upload.filename)
    unit = unit_named(session, metadata.unit)
    where = f"unit {unit.name!r}" if unit else "the archive"
    require_filing(session, principal, unit.id if unit else None, where)
    document_type = type_coded(session, metadata.document_type)
    tags = tags_named(session, metadata.tags or ())
    title = clean_title(metadata.title) if metadata.title is not None else title_from(filename)

    blob, mime_type = store_blob(uow, upload.stream)
    document = Document(
        title=title,
        # ged proposes a better one from the text (pipeline's metadata step) until confirmed
        title_proposed=metadata.title is None,
        document_type=document_type,
        unit=unit,
        tags=tags,
        document_date=metadata.document_date,
        current_version=1,
        created_by_id=principal.user_id,
        # set now rather than at the flush: a rule counted from the filing day needs it
        created_at=datetime.now(UTC),
        classification_source="manual" if document_type else None,
    )
    session.add(document)
    assign_retention(session, document)
    _grant_on_filing(session, principal, document, group_grants or {})
    version = _new_version(session, document, 1, blob, mime_type, filename, "", principal)
    session.flush()
    record(
        session,
        principal,
        "document.upload",
        object_type="document",
        object_id=document.id,
        details={**_version_details(version), "title": title},
    )
    uow.enqueue_pipeline([version.id])
    return version


def _grant_on_filing(
    session: Session, principal: Principal, document: Document, group_grants: Mapping[str, str]
) -> None:
    if principal.role != "station":
        # People keep control of what they file; stations' documents are reached through their unit.
        session.add(Grant(permission="manage", user_id=principal.user_id, document=document))
    for group, permission in _groups_granted(session, group_grants):
        session.add(Grant(permission=permission, group=group, document=document))


def file_upload(
    uow: UnitOfWork, principal: Principal, upload: Upload, metadata: Metadata
) -> Version:
    """An upload from the API or the web UI, with the configured defaults: the unit of a
    document filed without one, and the group every such document is shared with."""
    metadata, grants = upload_defaults(uow, metadata)
    return create_document(uow, principal, upload, metadata, group_grants=grants)


def upload_defaults(uow: UnitOfWork, metadata: Metadata) -> tuple[Metadata, Mapping[str, str]]:
    """The metadata of an upload with the configured default unit, and the default grants."""
    access = uow.settings.access
    if not (metadata.unit or "").strip() and access.default_unit:
        metadata = replace(metadata, unit=access.default_unit)
    grants = {access.default_group: access.default_group_permission} if access.default_group else {}
    return metadata, grants


def add_version(
    uow: UnitOfWork, principal: Principal, document_id: int, upload: Upload, comment: str
) -> Version:
    version = new_version(uow, principal, document_id, upload, comment)
    uow.commit()
    return version


def new_version(
    uow: UnitOfWork, principal: Principal, document_id: int, upload: Upload, comment: str
) -> Version:
    """add_version, audited but not committed (a re-split commits all its changes at once)."""
    session = uow.session
    filename = clean_filename(upload.filename)
    document = require_document(session, principal, document_id, "write", new_version=True)
    _require_active(document)
    blob, mime_type = store_blob(uow, upload.stream)
    document, number = _next_version_number(session, document_id)
    version = _new_version(session, document, number, blob, mime_type, filename, comment, principal)
    record(
        session,
        principal,
        "document.version.add",
        object_type="document",
        object_id=document_id,
        details={**_version_details(version), "comment": comment},
    )
    session.flush()
    uow.enqueue_pipeline([version.id])
    return version


def restore_version(
    uow: UnitOfWork, principal: Principal, document_id: int, number: int, comment: str
) -> Version:
    """Make version ``number``'s content current again, as a new version: history is kept."""
    session = uow.session
    _require_active(require_document(session, principal, document_id, "write"))
    old = find_version(uow, principal, document_id, number)
    document, new_number = _next_version_number(session, document_id)
    version = Version(
        document=document,
        number=new_number,
        blob_sha256=old.blob_sha256,
        size=old.size,
        mime_type=old.mime_type,
        filename=old.filename,
        comment=comment or f"restauration de la version {number}",
        restored_from=number,
        created_by_id=principal.user_id,
    )
    session.add(version)
    record(
        session,
        principal,
        "document.version.restore",
        object_type="document",
        object_id=document_id,
        details={"restored": number, "version": new_number},
    )
    session.flush()
    uow.enqueue_pipeline([version.id])
    uow.commit()
    return version


def read_version(
    uow: UnitOfWork,
    principal: Principal,
    document_id: int,
    action: str,
    number: int | None = None,
    *,
    deleted_is_gone: bool = False,
) -> Version:
    """A version for the caller to see (``action``: document.view, document.text,
    document.download, document.preview…), the access written to the audit trail.
    ``deleted_is_gone``: a deleted document is Gone rather than shown (the API's answer
    to those who may see it; the web UI shows it them, with its restore button)."""
    version = find_version(uow, principal, document_id, number)
    if deleted_is_gone and version.document.status == "deleted":
        raise Gone(
            f"document {document_id} is deleted; restore it with "
            f"POST /api/v1/documents/{document_id}/restore"
        )
    record(
        uow.session,
        principal,
        action,
        object_type="document",
        object_id=document_id,
        details={"version": version.number},
    )
    uow.commit()
    return version


def find_version(
    uow: UnitOfWork, principal: Principal, document_id: int, number: int | None = None
) -> Version:
    """A version of a readable document; the current one when ``number`` is None."""
    session = uow.session
    document = require_document(session, principal, document_id, "read")
    number = document.current_version if number is None else number
    version = session.scalars(
        select(Version).where(Version.document_id == document_id, Version.number == number)
    ).one_or_none()
    if version is None:
        raise VersionNotFound(document_id, number)
    return version


def list_versions(
    uow: UnitOfWork, principal: Principal, document_id: int, page: Page | None = None
) -> PageOf[Version]:
    require_document(uow.session, principal, document_id, "read")
    query = select(Version).where(Version.document_id == document_id).order_by(Version.number)
    return paginate(uow.session, query, page)


def update_metadata(
    uow: UnitOfWork,
    principal: Principal,
    document_id: int,
    changes: Metadata,
    fields: set[str],
    expected_revision: int | None = None,
) -> Document:
    """Apply the ``fields`` of ``changes`` (a field may be set to None to clear it) on top
    of the document as last committed; with ``expected_revision`` (the revision the caller
    read, its If-Match), only if nobody changed the document since (PreconditionFailed)."""
    document = document_for_change(uow.session, principal, document_id, "write", expected_revision)
    edit_metadata(uow, principal, document, changes, fields)
    uow.commit()
    return document


def edit_metadata(
    uow: UnitOfWork,
    principal: Principal,
    document: Document,
    changes: Metadata,
    fields: set[str],
    details: Mapping[str, object] | None = None,
) -> None:
    """update_metadata on a document the caller may write, audited (with ``details``
    added to the event's) but not committed: a bulk job commits it with its progress."""
    session = uow.session
    before = _metadata_of(document)
    if "title" in fields:
        if changes.title is None:
            raise InvalidInput("a document must keep a title", field="title")
        document.title = clean_title(changes.title)
        document.title_proposed = False  # saved by a person: confirmed, even if unchanged
    if "document_type" in fields:
        document.document_type = type_coded(session, changes.document_type)
        document.classification_source = "manual" if document.document_type else None
        document.needs_review = False
    if "unit" in fields:
        unit = unit_named(session, changes.unit)
        if not may_file_into_unit(session, principal, unit.id if unit else None):
            raise PermissionDenied(f"you may not move documents into unit {changes.unit!r}")
        document.unit = unit
    if "tags" in fields:
        document.tags = tags_named(session, changes.tags or ())
    if "document_date" in fields:
        document.document_date = changes.document_date
    if fields & {"document_type", "unit", "document_date"}:
        assign_retention(session, document)
    document.updated_at = datetime.now(UTC)
    record(
        session,
        principal,
        "document.update",
        object_type="document",
        object_id=document.id,
        details={**edit_details(before, _metadata_of(document)), **(details or {})},
    )
    uow.refresh_index([document.id])


def delete_document(uow: UnitOfWork, principal: Principal, document_id: int) -> Document:
    """Soft delete: the document disappears for everyone but archivists, who can restore it.
    A document under a legal hold in force is refused to everyone (Conflict)."""
    document = document_for_change(uow.session, principal, document_id, "manage")
    remove_document(uow, principal, document)
    uow.commit()
    return document


def remove_document(
    uow: UnitOfWork,
    principal: Principal,
    document: Document,
    details: Mapping[str, object] | None = None,
) -> None:
    """delete_document on a document the caller may manage, audited (with ``details``)
    but not committed: a bulk job commits it with its progress."""
    if document.status == "deleted":
        raise Conflict(f"document {document.id} is already deleted")
    refuse_if_held(uow.session, document.id)
    document.status = "deleted"
    document.deleted_at = datetime.now(UTC)
    document.deleted_by_id = principal.user_id
    document.updated_at = datetime.now(UTC)
    emit_document_event(uow, "document.deleted", document)
    record(
        uow.session,
        principal,
        "document.delete",
        object_type="document",
        object_id=document.id,
        details=details,
    )
    uow.refresh_index([document.id])


def undelete_document(uow: UnitOfWork, principal: Principal, document_id: int) -> Document:
    """Deleted documents exist only for archivists and admins, so only they can get here."""
    session = uow.session
    document = document_for_change(session, principal, document_id, "manage")
    if document.status != "deleted":
        raise Conflict(f"document {document_id} is not deleted")
    document.status = "active"
    document.deleted_at = None
    document.deleted_by_id = None
    document.updated_at = datetime.now(UTC)
    record(session, principal, "document.undelete", object_type="document", object_id=document_id)
    uow.refresh_index([document_id])
    uow.commit()
    return document


def _version_details(version: Version) -> dict:
    return {
        "version": version.number,
        "filename": version.filename,
        "sha256": version.blob_sha256,
        "size": version.size,
        "mime_type": version.mime_type,
    }


def _metadata_of(document: Document) -> dict:
    """The editable fields as the audit trail shows them before and after a change."""
    return {
        "title": document.title,
        "document_type": document.document_type.code if document.document_type else None,
        "unit": document.unit.name if document.unit else None,
        "tags": sorted(tag.name for tag in document.tags),
        "document_date": document.document_date.isoformat() if document.document_date else None,
    }


def _require_active(document: Document) -> None:
    if document.status == "deleted":
        raise Conflict(f"document {document.id} is deleted; restore it before adding versions")


def store_blob(uow: UnitOfWork, stream: BinaryIO) -> tuple[Blob, str]:
    """Write the bytes to the blob store (before the transaction that will reference
    them), refusing an empty or too large file; the blob and its detected MIME type."""
    store = uow.blobs
    stored = store.put(stream, max_size=uow.settings.web.max_upload_mb * 1024 * 1024)
    if stored.size == 0:
        raise InvalidInput("the file is empty", field="file")
    with store.open(stored.sha256) as handle:
        mime_type = detect_mime(handle.read(HEAD_SIZE))
    return Blob(sha256=stored.sha256, size=stored.size), mime_type


def _new_version(
    session: Session,
    document: Document,
    number: int,
    blob: Blob,
    mime_type: str,
    filename: str,
    comment: str,
    principal: Principal,
) -> Version:
    record_blob(session, blob)
    version = Version(
        document=document,
        number=number,
        blob_sha256=blob.sha256,
        size=blob.size,
        mime_type=mime_type,
        filename=filename,
        comment=comment,
        created_by_id=principal.user_id,
    )
    session.add(version)
    return version


def record_blob(session: Session, blob: Blob) -> None:
    """Insert the blob row unless a concurrent upload of the same bytes already did."""
    statement = dialect_insert(session, Blob).values(sha256=blob.sha256, size=blob.size)
    session.execute(statement.on_conflict_do_nothing(index_elements=["sha256"]))


def _next_version_number(session: Session, document_id: int) -> tuple[Document, int]:
    """Take the next number with one atomic UPDATE: PostgreSQL row-locks the document and
    SQLite takes its write lock, so concurrent uploads queue and numbers stay dense. The
    statement bypasses the ORM's version counter, so it bumps the revision itself."""
    number = session.execute(
        update(Document)
        .where(Document.id == document_id)
        .values(
            current_version=Document.current_version + 1,
            revision=Document.revision + 1,
            updated_at=datetime.now(UTC),
        )
        .returning(Document.current_version)
    ).scalar_one()
    # The UPDATE just matched the row, so it exists.
    document = session.get_one(Document, document_id, populate_existing=True)
    return document, number


def _groups_granted(session: Session, grants: Mapping[str, str]) -> list[tuple[Group, str]]:
    found = []
    for name, permission in grants.items():
        if permission not in PERMISSIONS:
            raise InvalidInput(f"unknown permission {permission!r}", field="group_permission")
        group = session.scalars(select(Group).where(Group.name == name)).one_or_none()
        if group is None:
            raise InvalidInput(f"unknown group {name!r}", field="group")
        found.append((group, permission))
    return found
