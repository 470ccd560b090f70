"""What a transfer's package says of each document, as seda's plain data.

The filing plan is ged's own: one Series per unit (the service producteur), one File per
document type within it, one Item per document, with its title, type, tags as keywords,
its unit as OriginatingAgency, its dates, and a Management block from the retention rule
it was due under (AppraisalRule, FinalAction Keep: the archives keep what is transferred)
and the agreement's AccessRule.

Each document is one DataObjectGroup: per version carried (the current one, or all),
its original as BinaryMaster_<n>; when the transfer asks for PDF/A and the version has a
PDF/A rendition, that too, as Dissemination_<n> — *as well as* the original, not instead:
the original is the record whose SHA-256 ged's journal attests, the rendition what the
agreement asks to be readable for the long term; and the text ged read (text layer or
OCR) as a separate plain-text object TextContent_<n>, rather than in the Content's
TextContent element, where the schema's token type would collapse its lines and the
manifest of a large transfer would carry all its text.
"""

from __future__ import annotations

import io
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path, PurePath
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ged.config import ArchivesSettings
from ged.models import Document, Page, Rendition, RetentionRule, Version
from ged.ports import BlobStore
from ged.services.due_dates import start_of
from ged.timeutil import aware
from ged.uow import UnitOfWork
from seda.model import AccessRule, Agency, AppraisalRule, ArchiveUnit, BinaryObject, Management

#: documents read from the database at a time while the plan is made
BATCH = 200

#: reads the text of one version when its object is written (not before: all the text of
#: a transfer is never in memory at once)
TextReader = Callable[[int], str]


class BuildFailed(Exception):
    """The package cannot be built as things are; the message says why, for people."""


@dataclass
class PackageContents:
    """What one package holds, whatever its kind: its DataObjectGroups (id and files) and
    its archive units, and what the ``transfer.build`` event says of them."""

    groups: list[tuple[str, list[BinaryObject]]]
    units: list[ArchiveUnit]
    details: dict[str, Any]
    #: files written only to be packaged, removed once the package is written
    scratch: list[Path] = field(default_factory=list)

    @property
    def total(self) -> int:
        """The data objects to write: what the progress bar counts."""
        return sum(len(objects) for _group, objects in self.groups)


def document_contents(planned: Sequence[PlannedDocument]) -> PackageContents:
    """The package of a transfer of documents: one group per document, in the filing plan."""
    return PackageContents(
        groups=[(document.group_id, document.objects) for document in planned],
        units=filing_plan(planned),
        details={
            "documents": [document.unit.system_id for document in planned],
            "without_pdfa": [d.unit.system_id for d in planned if d.without_pdfa],
        },
    )


@dataclass
class PlannedDocument:
    """One document: its DataObjectGroup's files, and its ArchiveUnit (an Item)."""

    group_id: str
    objects: list[BinaryObject]
    unit: ArchiveUnit
    series: str
    file: str
    #: its transfer asks for PDF/A and a version carried has none
    without_pdfa: bool


def plan_documents(
    uow: UnitOfWork,
    document_ids: Sequence[int],
    rules: dict[int, int],
    *,
    versions: str,
    pdfa: bool,
    read_text: TextReader,
) -> list[PlannedDocument]:
    """The plan of each document, in the order of ``document_ids``; ``rules`` gives the
    rule each was due under when proposed."""
    planned: list[PlannedDocument] = []
    for start in range(0, len(document_ids), BATCH):
        batch = document_ids[start : start + BATCH]
        documents = {
            document.id: document
            for document in uow.session.scalars(
                select(Document)
                .where(Document.id.in_(batch))
                .options(
                    selectinload(Document.versions),
                    selectinload(Document.tags),
                    selectinload(Document.unit),
                    selectinload(Document.document_type),
                )
            )
        }
        rows = uow.session.scalars(
            select(RetentionRule).where(RetentionRule.id.in_({rules[i] for i in batch}))
        )
        rule_rows = {rule.id: rule for rule in rows}
        carried = {document_id: _carried(documents[document_id], versions) for document_id in batch}
        version_ids = [version.id for chosen in carried.values() for version in chosen]
        renditions = _renditions(uow, version_ids) if pdfa else {}
        with_text = _with_text(uow, version_ids)
        for document_id in batch:
            document = documents[document_id]
            planned.append(
                _plan(
                    uow,
                    document,
                    rule_rows[rules[document_id]],
                    carried[document_id],
                    renditions,
                    with_text,
                    pdfa,
                    read_text,
                )
            )
    return planned


def filing_plan(planned: Sequence[PlannedDocument]) -> list[ArchiveUnit]:
    """The Series (units) and Files (document types) holding the documents' Items, sorted
    by name; each dated from the earliest to the latest of what it holds."""
    tree: dict[str, dict[str, list[ArchiveUnit]]] = defaultdict(lambda: defaultdict(list))
    for document in planned:
        tree[document.series][document.file].append(document.unit)
    series_units = []
    for series_number, (series, files) in enumerate(sorted(tree.items()), 1):
        file_units = [
            _aggregate(f"AU-S{series_number}-F{file_number}", name, "File", items)
            for file_number, (name, items) in enumerate(sorted(files.items()), 1)
        ]
        series_units.append(_aggregate(f"AU-S{series_number}", series, "Series", file_units))
    return series_units


def version_text(uow: UnitOfWork, version_id: int) -> str:
    """The text ged read from a version, its pages separated by form feeds."""
    texts = uow.session.scalars(
        select(Page.text).where(Page.version_id == version_id).order_by(Page.number)
    )
    return "\f".join(texts)


def _carried(document: Document, versions: str) -> list[Version]:
    if versions == "all":
        return list(document.versions)
    return [v for v in document.versions if v.number == document.current_version]


def _renditions(uow: UnitOfWork, version_ids: list[int]) -> dict[int, Rendition]:
    rows = uow.session.scalars(
        select(Rendition).where(Rendition.version_id.in_(version_ids), Rendition.kind == "pdfa")
    )
    return {rendition.version_id: rendition for rendition in rows}


def _with_text(uow: UnitOfWork, version_ids: list[int]) -> set[int]:
    rows = uow.session.scalars(
        select(Page.version_id).where(Page.version_id.in_(version_ids), Page.text != "").distinct()
    )
    return set(rows)


def _plan(
    uow: UnitOfWork,
    document: Document,
    rule: RetentionRule,
    carried: list[Version],
    renditions: dict[int, Rendition],
    with_text: set[int],
    pdfa: bool,
    read_text: TextReader,
) -> PlannedDocument:
    settings = uow.settings.archives
    blobs = uow.blobs
    objects: list[BinaryObject] = []
    for version in carried:
        key, stem = f"BDO-{document.id}-v{version.number}", PurePath(version.filename).stem
        objects.append(
            BinaryObject(
                id=key,
                usage=f"BinaryMaster_{version.number}",
                filename=version.filename,
                mime_type=version.mime_type,
                open=_opener(blobs, version.blob_sha256),
                last_modified=aware(version.created_at),
            )
        )
        rendition = renditions.get(version.id)
        if rendition is not None:
            objects.append(
                BinaryObject(
                    id=f"{key}-pdfa",
                    usage=f"Dissemination_{version.number}",
                    filename=f"{stem} (PDF-A).pdf",
                    mime_type=rendition.mime_type,
                    open=_opener(blobs, rendition.blob_sha256),
                    last_modified=aware(rendition.created_at),
                )
            )
        if version.id in with_text:
            objects.append(
                BinaryObject(
                    id=f"{key}-txt",
                    usage=f"TextContent_{version.number}",
                    filename=f"{stem}.txt",
                    mime_type="text/plain",
                    open=_text_opener(read_text, version.id),
                )
            )
    day = document.document_date or aware(document.created_at).date()
    group_id = f"DOG-{document.id}"
    unit = ArchiveUnit(
        id=f"AU-{document.id}",
        title=document.title,
        level="Item",
        system_id=str(document.id),
        document_type=document.document_type.label if document.document_type else "",
        keywords=tuple(tag.name for tag in document.tags),
        originating_agency=_originating(settings, document),
        created_date=day,
        start_date=day,
        end_date=day,
        management=_management(uow, settings, rule, document, day),
        data_object_group=group_id,
    )
    return PlannedDocument(
        group_id=group_id,
        objects=objects,
        unit=unit,
        series=document.unit.name if document.unit else "Sans service",
        file=document.document_type.label if document.document_type else "Sans type",
        without_pdfa=pdfa and any(v.id not in renditions for v in carried),
    )


def _management(
    uow: UnitOfWork,
    settings: ArchivesSettings,
    rule: RetentionRule,
    document: Document,
    day: date,
) -> Management:
    start = start_of(uow.session, rule, document)
    appraisal = AppraisalRule(rule.reference.strip() or f"GED-RULE-{rule.id}", start, "Keep")
    access = AccessRule(settings.access_rule, day) if settings.access_rule else None
    return Management(appraisal=appraisal, access=access)


def _originating(settings: ArchivesSettings, document: Document) -> Agency | None:
    default = settings.originating_agency
    if document.unit is not None and document.unit.name in settings.unit_agencies:
        return Agency(settings.unit_agencies[document.unit.name], document.unit.name)
    return Agency(default.identifier, default.name) if default.identifier else None


def _aggregate(key: str, title: str, level: str, children: list[ArchiveUnit]) -> ArchiveUnit:
    starts = [child.start_date for child in children if child.start_date is not None]
    ends = [child.end_date for child in children if child.end_date is not None]
    return ArchiveUnit(
        id=key,
        title=title,
        level=level,  # type: ignore[arg-type]
        start_date=min(starts, default=None),
        end_date=max(ends, default=None),
        children=children,
    )


def _opener(blobs: BlobStore, sha256: str) -> Callable[[], BinaryIO]:
    return lambda: blobs.open(sha256)


def _text_opener(read: TextReader, version_id: int) -> Callable[[], BinaryIO]:
    return lambda: io.BytesIO(read(version_id).encode("utf-8"))
