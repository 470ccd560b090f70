"""Filing the messages of a functional mailbox as the account's station, each exactly once.

``take_message`` files the body and attachments of one message and records its IMAP UID
in the same transaction: once committed, the message is never filed again, whatever
happens to ``ged mail`` before the server is told (``settle_message``). The same bytes
already filed (an attachment sent twice) are that document, linked again, not a new one.
A message that cannot be read or filed is recorded as failed and not tried again; what
is only unavailable for now (the station account, the database) raises Postponed, and
the message is tried at the next poll.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping, Sequence
from datetime import UTC
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ged.access import Principal
from ged.audit.chain import record
from ged.errors import InvalidInput, TooLarge
from ged.mail_settings import MailAccount
from ged.mailbox import MailRefused, send_mail
from ged.models import DocumentLink, MailMessage
from ged.services.documents import Metadata, Upload, add_document
from ged.services.drops import document_with_content, station_principal
from ged.timeutil import aware
from ged.uow import UnitOfWork
from ingest.mail import Mail, UnreadableMessage, acknowledgement_refusal, parse_message
from ingest.mail_render import render_pdf, render_text
from ingest.watch import Postponed

NOT_ENABLED = "not sent: acknowledgements are not enabled for this account"
#: what InvalidInput names when the account's configuration, not the message, is wrong
_CONFIGURATION_FIELDS = ("unit", "document_type", "tags", "group")


def recorded_message(
    session: Session, account: MailAccount, uidvalidity: int, uid: int
) -> MailMessage | None:
    query = select(MailMessage).where(
        MailMessage.account == account.name,
        MailMessage.uidvalidity == uidvalidity,
        MailMessage.uid == uid,
    )
    return session.scalars(query).one_or_none()


def unsettled_messages(session: Session, account: MailAccount) -> list[MailMessage]:
    """Messages filed whose server was not told yet (ged mail stopped in between)."""
    query = select(MailMessage).where(
        MailMessage.account == account.name, MailMessage.state == "filed"
    )
    return list(session.scalars(query.order_by(MailMessage.id)))


def unacknowledged_messages(session: Session, account: MailAccount) -> list[MailMessage]:
    query = select(MailMessage).where(
        MailMessage.account == account.name,
        MailMessage.state != "failed",
        MailMessage.acknowledgement.is_(None),
    )
    return list(session.scalars(query.order_by(MailMessage.id)))


def take_message(
    uow: UnitOfWork, account: MailAccount, uidvalidity: int, uid: int, raw: bytes
) -> MailMessage:
    """File one message and record it, in one committed transaction; the record says
    whether it was filed or failed. Postponed when filing is impossible for now."""
    session = uow.session
    principal = station_principal(session, account.station)
    row = MailMessage(account=account.name, uidvalidity=uidvalidity, uid=uid, state="filed")
    try:
        mail = parse_message(raw)
    except UnreadableMessage as exc:
        return _failed(uow, principal, row, str(exc))
    _describe(row, mail)
    try:
        row.document_ids = _file_documents(uow, principal, account, mail)
        if account.mode == "body_and_attachments":
            row.body_document_id = row.document_ids[0]
    except InvalidInput as exc:
        if exc.field in _CONFIGURATION_FIELDS:
            raise Postponed(f"mail account {account.name}: {exc}") from exc
        uow.rollback()
        return _failed(uow, principal, row, str(exc))
    except TooLarge as exc:
        uow.rollback()
        return _failed(uow, principal, row, str(exc))
    row.acknowledgement = _acknowledgement_due(uow, account, mail)
    session.add(row)
    try:
        session.flush()
    except IntegrityError:
        # Another ged mail on the same account recorded it first: its documents stand.
        uow.rollback()
        taken = recorded_message(session, account, uidvalidity, uid)
        if taken is None:
            raise
        return taken
    record(
        session,
        principal,
        "mail.message.file",
        object_type="mail_message",
        object_id=row.id,
        details={**_details(row), "documents": row.document_ids},
    )
    uow.commit()
    return row


def settle_message(uow: UnitOfWork, message_id: int) -> None:
    """The server was told (moved or flagged): nothing more to do with the message."""
    row = uow.session.get(MailMessage, message_id)
    if row is not None and row.state == "filed":
        row.state = "settled"
        row.settled_at = uow.clock.now()
        uow.commit()


def acknowledge_message(uow: UnitOfWork, account: MailAccount, message_id: int) -> bool:
    """Send the acknowledgement of receipt due for a message, and record it; True when it
    was sent. The SMTP server being down raises ServiceUnavailable: it stays due; the
    server refusing it for good (5xx) is recorded, as is acknowledgements turned off."""
    session = uow.session
    row = session.get(MailMessage, message_id)
    settings = uow.settings.mail.acknowledgement
    if row is None or row.acknowledgement is not None or row.state == "failed":
        return False
    if not (settings.enabled and account.acknowledge):  # turned off while one was due
        row.acknowledgement = NOT_ENABLED
        uow.commit()
        return False
    fields = {
        "reference": reference_of(row.document_ids),
        "date": aware(row.created_at).astimezone(UTC).strftime("%d/%m/%Y à %H:%M UTC"),
        "subject": row.subject or "(sans objet)",
        "sender": row.sender,
        "account": account.name,
    }
    reply = EmailMessage()
    reply["From"] = settings.sender
    reply["To"] = row.sender
    reply["Subject"] = " ".join(settings.subject.format(**fields).split())
    reply["Date"] = formatdate(localtime=False)
    reply["Message-ID"] = make_msgid(domain=settings.sender.rpartition("@")[2].strip("> ") or None)
    if row.message_id:
        reply["In-Reply-To"] = row.message_id
        reply["References"] = row.message_id
    # RFC 3834: an automatic answer, which other robots must not answer in turn.
    reply["Auto-Submitted"] = "auto-replied"
    reply.set_content(settings.body.format(**fields))
    try:
        send_mail(settings, reply)
    except MailRefused as exc:
        row.acknowledgement = f"not sent: {exc}"
        action = "mail.acknowledgement.refuse"
    else:
        row.acknowledgement = "sent"
        action = "mail.acknowledgement.send"
    record(
        session,
        None,
        action,
        actor=account.station,
        object_type="mail_message",
        object_id=row.id,
        details={**_details(row), "to": row.sender, "reference": fields["reference"]},
    )
    uow.commit()
    return row.acknowledgement == "sent"


def reference_of(document_ids: Sequence[int]) -> str:
    """How an acknowledgement names the documents filed: GED-<id>, the body first."""
    return ", ".join(f"GED-{document_id}" for document_id in document_ids)


def _describe(row: MailMessage, mail: Mail) -> None:
    row.message_id = mail.message_id[:998]
    row.sender = mail.sender[:320]
    row.subject = mail.subject
    row.recipients = [*mail.recipients, *mail.cc]
    # In UTC, as every stored moment (SQLite keeps no offset); a date without one is UTC.
    date = mail.date
    row.sent_at = (
        None
        if date is None
        else (date.astimezone(UTC) if date.tzinfo else date.replace(tzinfo=UTC))
    )


def _details(row: MailMessage) -> dict:
    return {
        "account": row.account,
        "uidvalidity": row.uidvalidity,
        "uid": row.uid,
        "message_id": row.message_id,
        "sender": row.sender,
        "subject": row.subject,
    }


def _failed(uow: UnitOfWork, principal: Principal, row: MailMessage, reason: str) -> MailMessage:
    row.state = "failed"
    row.error = reason
    uow.session.add(row)
    uow.session.flush()
    record(
        uow.session,
        principal,
        "mail.message.fail",
        object_type="mail_message",
        object_id=row.id,
        details={**_details(row), "reason": reason},
    )
    uow.commit()
    return row


def _acknowledgement_due(uow: UnitOfWork, account: MailAccount, mail: Mail) -> str | None:
    """None when an acknowledgement is to be sent; else why none will be."""
    if not (uow.settings.mail.acknowledgement.enabled and account.acknowledge):
        return NOT_ENABLED
    refusal = acknowledgement_refusal(mail)
    return None if refusal is None else f"not sent: {refusal}"


def _file_documents(
    uow: UnitOfWork, principal: Principal, account: MailAccount, mail: Mail
) -> list[int]:
    """The ids of the message's documents, the body's first; links from the body to each
    attachment."""
    grants = {account.group: account.group_permission} if account.group else None
    metadata = Metadata(
        document_type=None if account.document_type == "classify" else account.document_type,
        unit=account.unit or None,
        tags=account.tags,
        document_date=mail.date.date() if mail.date else None,
    )
    ids = []
    body_id = None
    if account.mode == "body_and_attachments":
        content, extension = (
            (render_pdf(mail), "pdf") if account.body_as == "pdf" else (render_text(mail), "txt")
        )
        title = mail.subject or f"Courriel de {mail.sender or 'expéditeur inconnu'}"
        body_name = f"courriel-{_safe(mail.subject) or 'sans-objet'}.{extension}"
        body_meta = Metadata(**{**metadata.__dict__, "title": title[:500]})
        body_id = _file_one(uow, principal, content, body_name, body_meta, grants)
        ids.append(body_id)
    for attachment in mail.attachments:
        document_id = _file_one(
            uow, principal, attachment.content, attachment.filename, metadata, grants
        )
        if document_id not in ids:
            ids.append(document_id)
        if body_id is not None and document_id != body_id:
            _link(uow.session, body_id, document_id)
    return ids


def _file_one(
    uow: UnitOfWork,
    principal: Principal,
    content: bytes,
    filename: str,
    metadata: Metadata,
    grants: Mapping[str, str] | None,
) -> int:
    existing = document_with_content(uow.session, hashlib.sha256(content).hexdigest())
    if existing is not None:
        return existing.id
    version = add_document(
        uow, principal, Upload(io.BytesIO(content), filename), metadata, group_grants=grants
    )
    return version.document_id


def _link(session: Session, source_id: int, target_id: int) -> None:
    query = select(DocumentLink.id).where(
        DocumentLink.source_id == source_id,
        DocumentLink.target_id == target_id,
        DocumentLink.kind == "attachment",
    )
    if session.scalar(query) is None:
        session.add(DocumentLink(source_id=source_id, target_id=target_id, kind="attachment"))
        session.flush()


def _safe(subject: str) -> str:
    kept = "".join(c if c.isalnum() or c in " -_" else " " for c in subject)
    return "-".join(kept.split())[:80]
