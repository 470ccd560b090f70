"""Recording the archives' answer to a transfer (``transfer.reply``).

An ArchiveTransferReply decides the transfer once: accepted (a reply code the archives use
for success, seda.reply.ACCEPTING_CODES), and every document of it is "transferred" with
the archives' identifier for its unit, and may then leave ged through a disposal list
and its visa; rejected (any other code), and every document goes back to the "à verser"
queue showing the archives' reason. An Acknowledgement only says the package arrived: it
is kept and audited, and changes nothing. Either way the XML is kept as a blob (what the
archives said stays provable) and validated against the SEDA 2.2 schema first.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import dataclass
from typing import Literal

from sqlalchemy import select

from ged.access import Principal, authorize
from ged.audit.chain import record
from ged.db import dialect_insert
from ged.errors import Conflict, InvalidInput, NotFound, TooLarge
from ged.models import Blob, Transfer
from ged.uow import UnitOfWork
from seda.reply import InvalidMessage, Reply, read_message

#: a reply is a small XML message; a file larger than this is not one
MAX_REPLY_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class RecordedReply:
    transfer: Transfer
    #: "reply" (an ArchiveTransferReply: the transfer is decided) or "acknowledgement"
    kind: Literal["reply", "acknowledgement"]
    #: the blob the XML is kept as
    sha256: str


def record_reply(
    uow: UnitOfWork, principal: Principal, xml: bytes, transfer_id: int | None = None
) -> RecordedReply:
    """Record the archives' ArchiveTransferReply or Acknowledgement to a transfer: the one
    it names (MessageRequestIdentifier / MessageReceivedIdentifier), which must be
    ``transfer_id`` when given. Audited ``transfer.reply`` / ``transfer.acknowledgement``."""
    authorize(principal, "transfer.reply")
    if len(xml) > MAX_REPLY_BYTES:
        raise TooLarge(
            f"the reply is {len(xml)} bytes; an archives' reply is an XML message of at most "
            f"{MAX_REPLY_BYTES // (1024 * 1024)} MB: is this the right file?"
        )
    if transfer_id is not None and uow.session.get(Transfer, transfer_id) is None:
        raise NotFound(f"transfer {transfer_id} does not exist")
    try:
        message = read_message(xml)
    except InvalidMessage as exc:
        raise InvalidInput(str(exc), field="file") from None
    if message.kind == "reply" and message.code is None:
        raise InvalidInput(
            "the reply has no ReplyCode, so it says neither that the archives accepted the "
            "transfer nor that they rejected it: ask them for their reply with its code",
            field="file",
        )
    transfer = _answered(uow, message, transfer_id)
    if message.kind == "acknowledgement":
        return _acknowledge(uow, principal, transfer, message, xml)
    _require_ready(transfer)
    sha256 = _keep(uow, xml)
    now = uow.clock.now()
    transfer.reply_sha256 = sha256
    transfer.reply_code = (message.code or "")[:20] or None
    transfer.reply_message_identifier = message.message_identifier[:200]
    transfer.replied_at = now
    transfer.reply_recorded_by_id = principal.user_id
    if message.accepted:
        transfer.status = "accepted"
        transfer.reply_comment = "; ".join(message.comments) or None
        for item in transfer.items:
            item.outcome = "transferred"
            # A unit the reply does not name is identified by the reply itself.
            identifier = message.units.get(item.unit_identifier, message.message_identifier)
            item.archival_identifier = identifier[:200]
            item.reason = None
            item.done_at = message.grant_date or now
    else:
        transfer.status = "rejected"
        transfer.reply_comment = message.reason()
        for item in transfer.items:
            item.outcome, item.reason, item.done_at = "rejected", transfer.reply_comment, now
    uow.session.flush()
    record(
        uow.session,
        principal,
        "transfer.reply",
        object_type="transfer",
        object_id=transfer.id,
        details={
            **_message_details(message, sha256),
            "status": transfer.status,
            "reason": None if message.accepted else transfer.reply_comment,
            "grant_date": message.grant_date.isoformat() if message.grant_date else None,
            "documents": {
                item.document_id: item.archival_identifier if message.accepted else None
                for item in transfer.items
            },
        },
    )
    uow.commit()
    return RecordedReply(transfer, "reply", sha256)


def reply_recorded(uow: UnitOfWork, sha256: str) -> Transfer | None:
    """The transfer whose reply is exactly these bytes, if one is (a file dropped twice,
    or taken again after a crash that followed its commit)."""
    return uow.session.scalars(select(Transfer).where(Transfer.reply_sha256 == sha256)).first()


def sha256_of(xml: bytes) -> str:
    return hashlib.sha256(xml).hexdigest()


def _answered(uow: UnitOfWork, message: Reply, transfer_id: int | None) -> Transfer:
    """The transfer the message answers, locked; refused if it is not ``transfer_id``."""
    named = message.request_identifier
    found = uow.session.scalars(
        select(Transfer)
        .where(Transfer.message_identifier == named)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one_or_none()
    if transfer_id is not None:
        if found is not None and found.id == transfer_id:
            return found
        raise InvalidInput(
            f"this {_name(message)} answers message {named!r}, which is "
            + (f"transfer {found.id}" if found else "no transfer of ged")
            + f", not transfer {transfer_id}: record it for the transfer it answers",
            field="file",
        )
    if found is None:
        raise NotFound(
            f"no transfer was sent as message {named!r}: this {_name(message)} answers a "
            "message ged did not send (check MessageRequestIdentifier)"
        )
    return found


def _require_ready(transfer: Transfer) -> None:
    if transfer.status == "ready":
        return
    if transfer.status in ("accepted", "rejected"):
        raise Conflict(
            f"transfer {transfer.id} was already {transfer.status} by the archives' reply "
            f"{transfer.reply_message_identifier!r}: a transfer is decided once"
        )
    if transfer.status == "building":
        raise Conflict(
            f"transfer {transfer.id}'s package is still being built: it cannot have been "
            "answered yet"
        )
    raise Conflict(
        f"transfer {transfer.id} failed ({transfer.error or 'its package was not built'}): "
        "no package was sent, so there is no reply to record"
    )


def _acknowledge(
    uow: UnitOfWork, principal: Principal, transfer: Transfer, message: Reply, xml: bytes
) -> RecordedReply:
    if transfer.status in ("building", "failed"):
        raise Conflict(
            f"transfer {transfer.id} is {transfer.status}: no package was sent, so there "
            "is nothing to acknowledge"
        )
    sha256 = _keep(uow, xml)
    record(
        uow.session,
        principal,
        "transfer.acknowledgement",
        object_type="transfer",
        object_id=transfer.id,
        details={**_message_details(message, sha256), "status": transfer.status},
    )
    uow.commit()
    return RecordedReply(transfer, "acknowledgement", sha256)


def _keep(uow: UnitOfWork, xml: bytes) -> str:
    """Store the XML as a blob (content-addressed: ``ged fsck`` checks it) and its row."""
    stored = uow.blobs.put(io.BytesIO(xml))
    insert = dialect_insert(uow.session, Blob).values(sha256=stored.sha256, size=stored.size)
    uow.session.execute(insert.on_conflict_do_nothing(index_elements=["sha256"]))
    return stored.sha256


def _message_details(message: Reply, sha256: str) -> dict:
    return {
        "message_identifier": message.message_identifier,
        "answers": message.request_identifier,
        "code": message.code,
        "date": message.date.isoformat(),
        "archival_agency": message.archival_agency,
        "sha256": sha256,
    }


def _name(message: Reply) -> str:
    return "reply" if message.kind == "reply" else "acknowledgement"
