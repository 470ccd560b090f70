"""What the tests of the archives' replies share: transfers made directly as rows (a
Transfer "ready", one TransferItem per document, as the package builder leaves them) and
reply messages written as the archives would send them, each checked against the official
SEDA 2.2 schema before use (a test of ged's reading must not rest on an invalid reply)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from xml.sax.saxutils import escape, quoteattr

from sqlalchemy import select

from ged.bootstrap import Runtime
from ged.models import Document, Transfer, TransferItem, User
from seda import NAMESPACE, schema

GRANTED = "2025-03-14T09:30:00+01:00"


def make_transfer(
    runtime: Runtime, username: str, document_ids: Iterable[int], status: str = "ready"
) -> tuple[int, str]:
    """A transfer of the documents (each under its current rule), built and sent: its id
    and MessageIdentifier. Units are named ``AU-<document id>`` in its manifest."""
    with runtime.unit_of_work() as uow:
        session = uow.session
        user_id = session.scalars(select(User.id).where(User.username == username)).one()
        count = session.scalar(select(Transfer.id).order_by(Transfer.id.desc()).limit(1)) or 0
        transfer = Transfer(
            message_identifier=f"ged-versement-{count + 1}",
            title="Versement des factures",
            status=status,
            created_by_id=user_id,
        )
        for document_id in document_ids:
            rule_id = session.get_one(Document, document_id).retention_rule_id
            transfer.items.append(
                TransferItem(
                    document_id=document_id,
                    retention_rule_id=rule_id,
                    unit_identifier=f"AU-{document_id}",
                )
            )
        session.add(transfer)
        uow.commit()
        return transfer.id, transfer.message_identifier


def reply_xml(
    answers: str,
    code: str | None = "OK",
    units: Mapping[str, str] | None = None,
    comment: str | None = None,
    events: Iterable[tuple[str, str, str]] = (),
    identifier: str = "AD075-ATR-2025-0042",
) -> bytes:
    """An ArchiveTransferReply to message ``answers``; ``units`` maps the package's
    ArchiveUnit ids to the archives' identifiers, ``events`` are (type, outcome, message)."""
    package = ""
    if units:
        described = "".join(
            f"<ArchiveUnit id={quoteattr(unit)}><Content>"
            f"<SystemId>sys-{escape(archival)}</SystemId>"
            f"<ArchivalAgencyArchiveUnitIdentifier>{escape(archival)}"
            "</ArchivalAgencyArchiveUnitIdentifier></Content></ArchiveUnit>"
            for unit, archival in units.items()
        )
        package = (
            f"<DataObjectPackage><DescriptiveMetadata>{described}</DescriptiveMetadata>"
            "<ManagementMetadata/></DataObjectPackage>"
        )
    operation = ""
    if events:
        operation = (
            "<Operation>"
            + "".join(
                f"<Event><EventType>{escape(kind)}</EventType>"
                f"<EventDateTime>{GRANTED}</EventDateTime><Outcome>{escape(outcome)}</Outcome>"
                f"<OutcomeDetailMessage>{escape(message)}</OutcomeDetailMessage></Event>"
                for kind, outcome, message in events
            )
            + "</Operation>"
        )
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<ArchiveTransferReply xmlns="{NAMESPACE}">\n'
        + (f"  <Comment>{escape(comment)}</Comment>\n" if comment else "")
        + f"  <Date>{GRANTED}</Date>\n"
        f"  <MessageIdentifier>{escape(identifier)}</MessageIdentifier>\n"
        "  <CodeListVersions/>\n"
        f"  {package}\n"
        + (f"  <ReplyCode>{escape(code)}</ReplyCode>\n" if code else "")
        + f"  {operation}\n"
        f"  <MessageRequestIdentifier>{escape(answers)}</MessageRequestIdentifier>\n"
        f"  <GrantDate>{GRANTED}</GrantDate>\n"
        "  <ArchivalAgency><Identifier>FRAD075</Identifier></ArchivalAgency>\n"
        "  <TransferringAgency><Identifier>21750001600019</Identifier></TransferringAgency>\n"
        "</ArchiveTransferReply>\n"
    ).encode()
    return _valid(xml)


def acknowledgement_xml(received: str) -> bytes:
    xml = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Acknowledgement xmlns="{NAMESPACE}">\n'
        f"  <Date>{GRANTED}</Date>\n"
        "  <MessageIdentifier>AD075-ACK-2025-0041</MessageIdentifier>\n"
        f"  <MessageReceivedIdentifier>{escape(received)}</MessageReceivedIdentifier>\n"
        "  <Sender><Identifier>FRAD075</Identifier></Sender>\n"
        "  <Receiver><Identifier>21750001600019</Identifier></Receiver>\n"
        "</Acknowledgement>\n"
    ).encode()
    return _valid(xml)


def _valid(xml: bytes) -> bytes:
    schema().validate(xml)  # raises, naming what is wrong, if the test's reply is not valid
    return xml
