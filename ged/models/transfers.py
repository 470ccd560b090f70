"""Transfer to the archives (versement): the packages ged builds for an electronic
archiving system (SAE) and the answer the archives give.

A transfer is a bordereau de versement: a set of documents (or, for kind "journal", one
day of the audit journal) written as one SEDA 2.2 ArchiveTransfer package. ged does not
send it: an archivist deposits the package with the archives, then records their reply
(ArchiveTransferReply), which marks each document transferred (with the archives' own
identifier) or returns it to the "à verser" queue with the reason."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import BigInteger, Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ged.db import Base
from ged.models.base import one_of, timestamp, utcnow
from ged.models.users import User
from ged.timeutil import iso

#: "documents": documents due for transfer; "journal": one day of the sealed audit journal
TRANSFER_KINDS = ("documents", "journal")
#: building (the package is being written) → ready (waiting for the archives' reply) →
#: accepted | rejected; failed when the package could not be built (the reason says why)
TRANSFER_STATUSES = ("building", "ready", "failed", "accepted", "rejected")
#: which versions of each document go into the package
VERSION_POLICIES = ("current", "all")
#: what became of a document of a transfer once the reply is recorded
TRANSFER_OUTCOMES = ("pending", "transferred", "rejected")


class Transfer(Base):
    """One ArchiveTransfer message: its package on disk and the reply to it."""

    __tablename__ = "transfers"
    __table_args__ = (
        one_of("kind", TRANSFER_KINDS, "known_kind"),
        one_of("status", TRANSFER_STATUSES, "known_status"),
        one_of("versions", VERSION_POLICIES, "known_versions"),
        Index("ix_transfers_status", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(10), default="documents")
    #: the SEDA MessageIdentifier, unique across ged (the reply names it)
    message_identifier: Mapped[str] = mapped_column(String(100), unique=True)
    title: Mapped[str] = mapped_column(String(200))
    comment: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="building")
    #: the ArchivalAgreement identifier the package was built under (from the settings)
    archival_agreement: Mapped[str] = mapped_column(String(200), default="")
    versions: Mapped[str] = mapped_column(String(10), default="current")
    #: scanned documents carried as their PDF/A rendition (the agreement asks for PDF/A)
    pdfa: Mapped[bool] = mapped_column(default=False)
    #: for kind "journal": the UTC day of the journal it carries
    journal_day: Mapped[date | None] = mapped_column(Date)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = timestamp(default=utcnow)
    #: progress of the build, for the progress bar: data objects written / to write
    progress_done: Mapped[int] = mapped_column(default=0)
    progress_total: Mapped[int | None]
    built_at: Mapped[datetime | None] = timestamp()
    #: why the build failed, in words for the archivist
    error: Mapped[str | None] = mapped_column(Text)
    #: the package: a file under [archives] packages_dir, named after the message identifier
    package_size: Mapped[int | None] = mapped_column(BigInteger)
    package_sha256: Mapped[str | None] = mapped_column(String(64))
    #: the archives' reply: its XML kept as a blob, its code (e.g. OK, or an error code)
    reply_sha256: Mapped[str | None] = mapped_column(ForeignKey("blobs.sha256"))
    reply_code: Mapped[str | None] = mapped_column(String(20))
    reply_comment: Mapped[str | None] = mapped_column(Text)
    #: the MessageIdentifier of the reply itself
    reply_message_identifier: Mapped[str | None] = mapped_column(String(200))
    replied_at: Mapped[datetime | None] = timestamp()
    reply_recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by: Mapped[User] = relationship(foreign_keys=[created_by_id])
    reply_recorded_by: Mapped[User | None] = relationship(foreign_keys=[reply_recorded_by_id])
    items: Mapped[list[TransferItem]] = relationship(
        order_by="TransferItem.document_id", cascade="all, delete-orphan"
    )


class TransferItem(Base):
    """One document of a transfer, and what the archives did with it."""

    __tablename__ = "transfer_documents"
    __table_args__ = (one_of("outcome", TRANSFER_OUTCOMES, "known_outcome"),)

    transfer_id: Mapped[int] = mapped_column(ForeignKey("transfers.id"), primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id"), primary_key=True, index=True
    )
    #: the rule row it was due under when the package was built
    retention_rule_id: Mapped[int] = mapped_column(ForeignKey("retention_rules.id"))
    #: its ArchiveUnit id inside the manifest (the reply refers to units by it)
    unit_identifier: Mapped[str] = mapped_column(String(100))
    outcome: Mapped[str] = mapped_column(String(12), default="pending")
    #: the archives' identifier for it (SystemId / ArchivalAgencyArchiveUnitIdentifier)
    archival_identifier: Mapped[str | None] = mapped_column(String(200))
    #: why the archives refused it (shown in the "à verser" queue)
    reason: Mapped[str | None] = mapped_column(Text)
    done_at: Mapped[datetime | None] = timestamp()

    #: read only: items are added and changed through Transfer.items
    transfer: Mapped[Transfer] = relationship(viewonly=True)

    def mention(self) -> dict[str, str | int | None]:
        """The transfer that took it, as a tombstone, a certificate or an audit event names it."""
        return {
            "transfer_id": self.transfer_id,
            "message_identifier": self.transfer.message_identifier,
            "archival_identifier": self.archival_identifier,
            "accepted_at": iso(self.transfer.replied_at),
        }
