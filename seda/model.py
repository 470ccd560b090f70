"""What an ArchiveTransfer says, as plain data: the message, its archive units and the
files of each. The writer (seda.package) turns these into manifest.xml and a ZIP."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import BinaryIO, Literal


@dataclass(frozen=True)
class Agency:
    """An organisation named in a message: its identifier (a SIRET, a SIAF code…)."""

    identifier: str
    name: str = ""


@dataclass(frozen=True)
class Message:
    """The envelope of one ArchiveTransfer."""

    identifier: str
    date: datetime
    archival_agency: Agency
    transferring_agency: Agency
    archival_agreement: str = ""
    comment: str = ""
    #: the ManagementMetadata's OriginatingAgencyIdentifier (the main producer), if any
    originating_agency: Agency | None = None


@dataclass(frozen=True)
class AppraisalRule:
    """The DUA: the rule's identifier, when its period started, and what follows it.
    An empty ``rule`` names none of the archives' referential: the FinalAction alone."""

    rule: str
    start_date: date | None
    final_action: Literal["Keep", "Destroy"]


@dataclass(frozen=True)
class AccessRule:
    """The communicability delay: a rule identifier of the archives' referential."""

    rule: str
    start_date: date | None


@dataclass(frozen=True)
class Management:
    appraisal: AppraisalRule | None = None
    access: AccessRule | None = None


@dataclass(frozen=True)
class BinaryObject:
    """One file to carry: ``open`` gives its bytes (read once, in chunks, never whole)."""

    #: an XML ID unique in the message, e.g. "BDO-12-v3"
    id: str
    #: its usage and version in the group, e.g. "BinaryMaster_3", "TextContent_3"
    usage: str
    #: the file's name as people know it (accents and all): FileInfo/Filename
    filename: str
    #: what the producer detected, used when no PRONOM signature matches the bytes
    mime_type: str
    open: Callable[[], BinaryIO]
    last_modified: datetime | None = None


@dataclass
class ArchiveUnit:
    """One level of description: a series, a file, or one document (Item)."""

    #: an XML ID unique in the message, e.g. "AU-12"
    id: str
    title: str
    level: Literal["Series", "File", "Item"]
    description: str = ""
    #: ged's own identifier, so the archives' reply can name it back
    system_id: str = ""
    document_type: str = ""
    keywords: tuple[str, ...] = ()
    originating_agency: Agency | None = None
    created_date: date | None = None
    start_date: date | None = None
    end_date: date | None = None
    management: Management | None = None
    #: the DataObjectGroup holding its files (an Item's)
    data_object_group: str | None = None
    #: sub-units, written in order; any iterable, so they may be produced as they are written
    children: Iterable[ArchiveUnit] = field(default_factory=list)
