"""Where a document came from and what came with it: the e-mail whose body it is, and the
documents linked to it (the attachments of a message's body, the body of an attachment),
as far as the reader may read them: a link never reveals a document, not even its title,
to someone without read permission on it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import or_, select

from ged.access import Principal, allowed, require_document
from ged.models import Document, DocumentLink, MailMessage
from ged.timeutil import aware
from ged.uow import UnitOfWork


@dataclass(frozen=True)
class LinkedDocument:
    id: int
    title: str
    #: "attachment": the other document came attached to this one; "attached_to": this
    #: one came attached to the other (the body of its message)
    relation: Literal["attachment", "attached_to"]


def linked_documents(
    uow: UnitOfWork, principal: Principal, document_id: int
) -> list[LinkedDocument]:
    """The readable documents linked to ``document_id``, which the caller must be able to read."""
    session = uow.session
    require_document(session, principal, document_id, "read")
    links = select(DocumentLink).where(
        or_(DocumentLink.source_id == document_id, DocumentLink.target_id == document_id)
    )
    found = []
    for link in session.scalars(links.order_by(DocumentLink.id)):
        other = link.target_id if link.source_id == document_id else link.source_id
        relation: Literal["attachment", "attached_to"] = (
            "attachment" if link.source_id == document_id else "attached_to"
        )
        query = select(Document.title).where(Document.id == other, allowed(principal, "read"))
        title = session.scalar(query)
        if title is not None:
            found.append(LinkedDocument(other, title, relation))
    return found


@dataclass(frozen=True)
class MailOrigin:
    """The message a document is the body of, as its headers said."""

    account: str
    sender: str
    recipients: list[str]
    subject: str
    sent_at: datetime | None
    #: "sent", or why no acknowledgement was sent; None while one is due
    acknowledgement: str | None


def mail_origin(uow: UnitOfWork, principal: Principal, document_id: int) -> MailOrigin | None:
    """The message whose body ``document_id`` is (the first, if the same body came twice)."""
    session = uow.session
    require_document(session, principal, document_id, "read")
    query = select(MailMessage).where(MailMessage.body_document_id == document_id)
    row = session.scalars(query.order_by(MailMessage.id).limit(1)).first()
    if row is None:
        return None
    sent_at = aware(row.sent_at) if row.sent_at else None
    return MailOrigin(
        row.account, row.sender, list(row.recipients), row.subject, sent_at, row.acknowledgement
    )
