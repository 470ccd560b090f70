"""manifest.xml written as a stream, in the element order seda-2.2-main.xsd requires.

Each function writes one part onto an open ``lxml.etree.xmlfile`` context, element by
element: the manifest of a transfer of 100,000 documents is never one tree in memory."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from seda.formats import Format
from seda.model import AccessRule, Agency, AppraisalRule, ArchiveUnit, Management, Message
from seda.schema import NAMESPACE

#: the versions of the code lists the message uses (SEDA's usual values: ged uses the
#: standard code lists, not local ones)
CODE_LISTS = (
    ("ReplyCodeListVersion", "ReplyCodeListVersion0"),
    ("MessageDigestAlgorithmCodeListVersion", "MessageDigestAlgorithmCodeListVersion0"),
    ("MimeTypeCodeListVersion", "MimeTypeCodeListVersion0"),
    ("FileFormatCodeListVersion", "FileFormatCodeListVersion0"),
    ("AppraisalRuleCodeListVersion", "AppraisalRuleCodeListVersion0"),
    ("AccessRuleCodeListVersion", "AccessRuleCodeListVersion0"),
)


@dataclass(frozen=True)
class WrittenObject:
    """A file as it went into the package: where, how big, its SHA-512, its format."""

    id: str
    usage: str
    uri: str
    size: int
    sha512: str
    format: Format
    filename: str
    last_modified: datetime | None


def q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


def leaf(xf: Any, name: str, text: str, **attrib: str) -> None:
    with xf.element(q(name), attrib):
        xf.write(text)


@contextmanager
def element(xf: Any, name: str, **attrib: str):
    with xf.element(q(name), attrib):
        yield


def write_header(xf: Any, message: Message) -> None:
    """Everything before the DataObjectPackage (MessageType, then BusinessMessageType)."""
    if message.comment:
        leaf(xf, "Comment", message.comment)
    leaf(xf, "Date", message.date.isoformat(timespec="seconds"))
    leaf(xf, "MessageIdentifier", message.identifier)
    if message.archival_agreement:
        leaf(xf, "ArchivalAgreement", message.archival_agreement)
    with element(xf, "CodeListVersions"):
        for name, version in CODE_LISTS:
            leaf(xf, name, version)


def write_agencies(xf: Any, message: Message) -> None:
    """The ArchiveTransfer's own elements, after its DataObjectPackage."""
    _organisation(xf, "ArchivalAgency", message.archival_agency)
    _organisation(xf, "TransferringAgency", message.transferring_agency)


def write_group(xf: Any, group_id: str, objects: Iterable[WrittenObject]) -> None:
    with element(xf, "DataObjectGroup", id=group_id):
        for written in objects:
            _binary_object(xf, written)
    xf.write("\n")


def _binary_object(xf: Any, written: WrittenObject) -> None:
    with element(xf, "BinaryDataObject", id=written.id):
        leaf(xf, "DataObjectVersion", written.usage)
        leaf(xf, "Uri", written.uri)
        leaf(xf, "MessageDigest", written.sha512, algorithm="SHA-512")
        leaf(xf, "Size", str(written.size))
        with element(xf, "FormatIdentification"):
            leaf(xf, "FormatLitteral", written.format.name)
            leaf(xf, "MimeType", written.format.mime_type)
            if written.format.puid:
                leaf(xf, "FormatId", written.format.puid)
        with element(xf, "FileInfo"):
            leaf(xf, "Filename", written.filename)
            if written.last_modified is not None:
                leaf(xf, "LastModified", written.last_modified.isoformat(timespec="seconds"))


def write_units(xf: Any, units: Iterable[ArchiveUnit]) -> None:
    with element(xf, "DescriptiveMetadata"):
        for unit in units:
            _unit(xf, unit)


def write_management(xf: Any, message: Message) -> None:
    with element(xf, "ManagementMetadata"):
        if message.originating_agency is not None:
            leaf(xf, "OriginatingAgencyIdentifier", message.originating_agency.identifier)
        leaf(xf, "SubmissionAgencyIdentifier", message.transferring_agency.identifier)


def _unit(xf: Any, unit: ArchiveUnit) -> None:
    with element(xf, "ArchiveUnit", id=unit.id):
        if unit.management is not None:
            _management(xf, unit.management)
        _content(xf, unit)
        for child in unit.children:
            _unit(xf, child)
        if unit.data_object_group is not None:
            with element(xf, "DataObjectReference"):
                leaf(xf, "DataObjectGroupReferenceId", unit.data_object_group)
    xf.write("\n")


def _content(xf: Any, unit: ArchiveUnit) -> None:
    """DescriptiveMetadataContentType: BaseObjectGroup's groups, in their order."""
    with element(xf, "Content"):
        leaf(xf, "DescriptionLevel", unit.level)
        leaf(xf, "Title", unit.title)
        if unit.system_id:
            leaf(xf, "OriginatingSystemId", unit.system_id)
        if unit.description:
            leaf(xf, "Description", unit.description)
        if unit.document_type:
            leaf(xf, "DocumentType", unit.document_type)
        for keyword in unit.keywords:
            with element(xf, "Keyword"):
                leaf(xf, "KeywordContent", keyword)
                leaf(xf, "KeywordType", "subject")
        if unit.originating_agency is not None:
            _organisation(xf, "OriginatingAgency", unit.originating_agency)
        _dates(xf, unit)


def _dates(xf: Any, unit: ArchiveUnit) -> None:
    for name, value in (
        ("CreatedDate", unit.created_date),
        ("StartDate", unit.start_date),
        ("EndDate", unit.end_date),
    ):
        if value is not None:
            leaf(xf, name, value.isoformat())


def _management(xf: Any, management: Management) -> None:
    with element(xf, "Management"):
        if management.appraisal is not None:
            _appraisal(xf, management.appraisal)
        if management.access is not None:
            _access(xf, management.access)


def _appraisal(xf: Any, rule: AppraisalRule) -> None:
    with element(xf, "AppraisalRule"):
        _rule(xf, rule.rule, rule.start_date)
        leaf(xf, "FinalAction", rule.final_action)


def _access(xf: Any, rule: AccessRule) -> None:
    with element(xf, "AccessRule"):
        _rule(xf, rule.rule, rule.start_date)


def _rule(xf: Any, rule: str, start: date | None) -> None:
    if not rule:  # no rule of the referential: the FinalAction alone (a StartDate goes with a Rule)
        return
    leaf(xf, "Rule", rule)
    if start is not None:
        leaf(xf, "StartDate", start.isoformat())


def _organisation(xf: Any, name: str, agency: Agency) -> None:
    # OrganizationDescriptiveMetadata is open to other namespaces only: the name stays
    # with the settings, the identifier is what the archives match on.
    with element(xf, name):
        leaf(xf, "Identifier", agency.identifier)
