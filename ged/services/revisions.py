"""A document's revision, its ETag, and the lock under which a document changes.

``Document.revision`` grows with every change of what the API shows of a document: the
ORM bumps it on each UPDATE of the row (``version_id_col``), statements that bypass the
ORM bump it themselves (``touch_document``, and the bulk UPDATEs of new versions and unit
ACLs). The ORM also refuses an UPDATE made from a stale copy of the row, which the
session (``ged.db.ConflictAwareSession``) answers with ConcurrentChange (409).

That check alone would refuse one of two edits made at the same moment though neither
caller asked for a precondition. So an edit of a document (metadata, ACL, delete,
undelete) starts with ``document_for_change``, which locks it: a second edit waits for
the first to commit (milliseconds) and then applies on top of it, reading the tags,
grants and revision as committed. A caller that sent the revision it read (If-Match)
gets PreconditionFailed when the revision under the lock is another one. New versions
take the same lock with the UPDATE that numbers them, pipeline steps with
``lock_document``.
"""

from __future__ import annotations

import re
from typing import Protocol

from sqlalchemy import text, update
from sqlalchemy.orm import Session

from ged.access import Principal, require_document
from ged.errors import InvalidInput, PreconditionFailed
from ged.models import Document

_ETAG = re.compile(r'"([1-9][0-9]{0,17})"')


def lock_document(session: Session, document_id: int) -> Document | None:
    """The document as last committed, locked until the transaction ends (None if absent).

    PostgreSQL locks the row as an UPDATE would (FOR NO KEY UPDATE: inserts that merely
    refer to the document are not held up); SQLite has no row locks and ignores FOR
    UPDATE, so a write that matches nothing takes its one write lock first, as the audit
    chain does. The document is then read again, tags and all, since an earlier read of
    this session may predate another transaction's commit."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("UPDATE documents SET revision = revision WHERE 0"))
    return session.get(
        Document, document_id, with_for_update={"key_share": True}, populate_existing=True
    )


def document_for_change(
    session: Session,
    principal: Principal,
    document_id: int,
    permission: str,
    expected_revision: int | None = None,
) -> Document:
    """The document, locked (``lock_document``), for a principal holding ``permission``
    on it as it is now; PreconditionFailed when ``expected_revision`` is given and is not
    the current revision."""
    lock_document(session, document_id)
    # Checked under the lock, so that a grant revoked meanwhile is seen.
    document = require_document(session, principal, document_id, permission)
    if expected_revision is not None and document.revision != expected_revision:
        raise PreconditionFailed(document_id, expected_revision, document.revision)
    return document


def touch_document(session: Session, document_id: int) -> None:
    """Bump the revision for a change the documents row does not show (a version's
    pipeline state or text). ``updated_at`` is kept: it dates the last change of the
    document's metadata and ACL, which the index recovery compares with its entry."""
    session.execute(
        update(Document)
        .where(Document.id == document_id)
        .values(revision=Document.revision + 1, updated_at=Document.updated_at)
    )


class Revised(Protocol):
    revision: int


def document_etag(document: Revised) -> str:
    """The ETag of the document's representation (GET /documents/{id} and its ACL): its
    revision, as a strong entity tag, so that If-Match can compare it."""
    return f'"{document.revision}"'


def revision_from_etag(if_match: str) -> int | None:
    """The revision an If-Match header names, for ``expected_revision``: None for ``*``
    (whatever the current revision). One entity tag only; a weak one never matches
    under If-Match (RFC 9110), so it is refused rather than compared."""
    value = if_match.strip()
    if value == "*":
        return None
    found = _ETAG.fullmatch(value)
    if found is None:
        raise InvalidInput(
            f'If-Match takes the ETag a GET of the document answered, such as "3", '
            f"or *; not {value[:40]!r}",
            field="If-Match",
        )
    return int(found.group(1))
