"""Messages taken from functional mailboxes, and the links between the documents filed from
one message (its body and its attachments)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ged.db import Base
from ged.models.base import one_of, timestamp, utcnow

#: "filed": its documents are committed, the server not yet told; "settled": moved or
#: flagged on the server too; "failed": it cannot be filed, and is not tried again
MAIL_STATES = ("filed", "settled", "failed")
LINK_KINDS = ("attachment",)


class MailMessage(Base):
    """One message of a mailbox, recorded in the transaction that files it: a message whose
    row exists is never filed again, whatever happened to the process afterwards."""

    __tablename__ = "mail_messages"
    __table_args__ = (
        UniqueConstraint("account", "uidvalidity", "uid"),
        one_of("state", MAIL_STATES, "state"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the name of the account in [[mail.accounts]]
    account: Mapped[str] = mapped_column(String(100))
    #: the folder's UIDVALIDITY when the message was taken: UIDs are unique only within it
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    #: the message's UID in the account's folder
    uid: Mapped[int] = mapped_column(BigInteger)
    #: its Message-ID header, as sent (empty when it had none)
    message_id: Mapped[str] = mapped_column(Text, default="")
    #: the sender's address, empty when the message named none
    sender: Mapped[str] = mapped_column(String(320), default="")
    subject: Mapped[str] = mapped_column(Text, default="")
    #: the addresses of its To and Cc headers
    recipients: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: its Date header; NULL when it had none that could be read
    sent_at: Mapped[datetime | None] = timestamp()
    state: Mapped[str] = mapped_column(String(20))
    #: the document its body became (none with mode = "attachments_only", or if it failed)
    body_document_id: Mapped[int | None] = mapped_column(
        ForeignKey("documents.id", ondelete="SET NULL"), index=True
    )
    #: ids of the documents filed from it (body first), existing ones included
    document_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    #: why it failed, for the administrator
    error: Mapped[str] = mapped_column(Text, default="")
    #: what became of the acknowledgement: "sent", "not sent: <reason>"; NULL: none due yet
    acknowledgement: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = timestamp(default=utcnow)
    #: when the server was told (moved or flagged)
    settled_at: Mapped[datetime | None] = timestamp()


class DocumentLink(Base):
    """A document that came with another: an attachment with the body of its message."""

    __tablename__ = "document_links"
    __table_args__ = (
        UniqueConstraint("source_id", "target_id", "kind"),
        one_of("kind", LINK_KINDS, "kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the document the others came with (the body of the message)
    source_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    #: the document that came with it (an attachment)
    target_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = timestamp(default=utcnow)
