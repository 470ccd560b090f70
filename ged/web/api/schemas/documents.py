"""Documents, versions and text: what comes in and what the API answers."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from apiflask.fields import UploadFile
from pydantic import BeforeValidator, Field, RootModel, field_validator, model_validator
from pydantic.json_schema import SkipJsonSchema, WithJsonSchema

from ged.models import Document, Version
from ged.services.document_fields import MAX_TAG, MAX_TITLE, TAG_PATTERN
from ged.timeutil import iso
from ged.web.api.schemas.batches import BatchOut
from ged.web.api.schemas.common import (
    Absent,
    Day,
    Id,
    Input,
    IsoDate,
    IsoMoment,
    Name,
    Output,
    Paged,
    PageQuery,
    Timestamp,
)
from ged.web.api.schemas.retention import DocumentRetention

Status = Literal["processing", "done", "failed", "unsupported"]

_METADATA_KINDS = ("dates", "siret", "siren", "iban", "amounts", "references")


def _blank_as_none(value: Any) -> Any:
    # An empty form field is a field not filled in (browsers and Swagger UI send them).
    return None if value == "" else value


#: an optional multipart field: a text or nothing (a form cannot send null)
#: a multipart tags field: up to 100 tags of MAX_TAG characters, with their commas. The
#: pattern reads alike in Python, Rust (pydantic) and JSON Schema: explicit classes only.
MAX_TAG_FIELD = 100 * (MAX_TAG + 1)
_TAG_CHARACTER = r"[^,{}\[\]<>\x00-\x1f\x7f]"
TAGS_FIELD = f"^{_TAG_CHARACTER}{{0,{MAX_TAG}}}(,{_TAG_CHARACTER}{{0,{MAX_TAG}}})*$"
#: an optional multipart field left empty is not filled in
Blank = BeforeValidator(_blank_as_none)
Title = Annotated[str, Field(min_length=1, max_length=MAX_TITLE)]
TypeCode = Annotated[str, Field(min_length=1, max_length=64)]
UnitName = Annotated[str, Field(min_length=1, max_length=200)]
TagName = Annotated[str, Field(min_length=1, max_length=MAX_TAG, pattern=TAG_PATTERN.pattern)]
Tags = Annotated[list[TagName], Field(max_length=100)]
# A form cannot send null: its optional fields are a text, or empty for not given.
FormDate = IsoDate | SkipJsonSchema[None]
FormTitle = Annotated[Annotated[str, Field(max_length=MAX_TITLE)] | SkipJsonSchema[None], Blank]
FormCode = Annotated[Annotated[str, Field(max_length=64)] | SkipJsonSchema[None], Blank]
FormName = Annotated[Annotated[str, Field(max_length=200)] | SkipJsonSchema[None], Blank]


class UploadForm(Input):
    """multipart/form-data: the file and, optionally, its metadata."""

    file: UploadFile = Field(description="the document's bytes; its type is read from them")
    title: FormTitle = Absent(description="default: from the file name")
    document_type: FormCode = Absent(description="a type code, e.g. facture")
    unit: FormName = Absent(description="the unit (service) owning it")
    document_date: FormDate = Absent(description="YYYY-MM-DD")
    # On the wire, one or more text parts: declared as the text each part is.
    tags: Annotated[
        list[Annotated[str, Field(max_length=MAX_TAG_FIELD, pattern=TAGS_FIELD)]],
        WithJsonSchema(
            {
                "type": "string",
                "maxLength": MAX_TAG_FIELD,
                "pattern": TAGS_FIELD,
                "description": "tags separated by commas; the field may also be repeated",
            }
        ),
    ] = Field(default_factory=list, max_length=100)
    split: Literal["none", "separators"] = Field(
        "none",
        description="separators: the file is a scanned batch, split by a worker into one "
        "document per segment between separator sheets; the answer is then the batch",
    )
    # A form's text, not a JSON boolean: multipart parts carry no types.
    drop_blank: Literal["true", "false"] = Field(
        "false", description="true, with split=separators: leave blank pages out"
    )

    @field_validator("tags")
    @classmethod
    def _split(cls, values: list[str]) -> list[str]:
        return [tag.strip() for value in values for tag in value.split(",") if tag.strip()]


class MetadataEdit(Input):
    """The fields to change; a field given as null is cleared (a title cannot be)."""

    model_config = Input.model_config | {
        "json_schema_extra": {
            "minProperties": 1,
            "examples": [{"document_type": "facture", "tags": ["2026", "voirie"]}],
        }
    }

    title: Title | SkipJsonSchema[None] = Absent()
    document_type: TypeCode | None = Field(None, description="a type code; null: no type")
    unit: UnitName | None = Field(None, description="null: no unit")
    document_date: IsoDate | None = Field(None, description="YYYY-MM-DD; null: no date")
    tags: Tags | SkipJsonSchema[None] = Absent(description="replaces the tags")

    @model_validator(mode="after")
    def _something(self) -> MetadataEdit:
        if not self.model_fields_set:
            raise ValueError("send a JSON object with the fields to change")
        return self

    @field_validator("title", "tags")
    @classmethod
    def _not_null(cls, value: Any) -> Any:
        if value is None:
            raise ValueError("cannot be null: a document keeps a title, and [] removes every tag")
        return value


class VersionForm(Input):
    file: UploadFile = Field(description="the new version's bytes")
    comment: str = Field("", max_length=1000, description="why this version")


class RestoreBody(Input):
    comment: str = Field("", max_length=1000)


class VersionQuery(Input):
    version: Id | None = Field(None, description="a version number; default: the current one")


class ContentQuery(VersionQuery):
    rendition: Literal["pdfa", "thumbnail"] | None = Field(
        None,
        description="a file derived from the version instead of its own bytes: `pdfa`, the "
        "searchable PDF/A-2b of a scan (page images under the OCR text); `thumbnail`, a "
        "small WebP of its first page",
    )


class Accepted(Output):
    """The document is stored; its pipeline (OCR, classification, indexing) follows."""

    model_config = Output.model_config | {
        "json_schema_extra": {
            "examples": [{"id": 42, "version": 1, "status": "processing", "queued": True}]
        }
    }

    id: int
    version: int
    status: Status
    queued: bool = Field(description="false when the queue is down: the work waits, recorded")

    @classmethod
    def of(cls, version: Version, queued: bool) -> Accepted:
        status = version.public_status
        return cls(id=version.document_id, version=version.number, status=status, queued=queued)  # type: ignore[arg-type]


class UploadAccepted(RootModel[Accepted | BatchOut]):
    """A filed document (Accepted), or with split=separators the batch (BatchOut)."""


class VersionOut(Output):
    number: int
    sha256: str
    size: int
    mime_type: str
    filename: str
    comment: str | None
    restored_from: int | None
    created_at: Timestamp
    created_by: str
    status: Status
    error: str | None
    page_count: int | None

    @classmethod
    def of(cls, version: Version) -> VersionOut:
        return cls(
            number=version.number,
            sha256=version.blob_sha256,
            size=version.size,
            mime_type=version.mime_type,
            filename=version.filename,
            comment=version.comment,
            restored_from=version.restored_from,
            created_at=iso(version.created_at),
            created_by=version.created_by.username,
            status=version.public_status,  # type: ignore[arg-type]
            error=version.error,
            page_count=version.page_count,
        )


class Classification(Output):
    document_type: str | None
    confidence: float | None
    source: Literal["rules", "model", "manual", "barcode"] | None


class BatchOrigin(Output):
    """The scanned batch a document was cut from, and where in it."""

    batch: int
    segment: int
    first_page: int = Field(description="first page of the original batch, 1-based")
    last_page: int
    barcode: dict[str, Any] = Field(description="what a filing barcode said, source barcode")


class LinkOut(Output):
    id: int
    title: str
    relation: Literal["attachment", "attached_to"] = Field(
        description="attachment: it came attached to this document; attached_to: this "
        "document came attached to it"
    )


class MailOut(Output):
    account: str = Field(description="the [[mail.accounts]] name it arrived in")
    sender: str
    recipients: list[str] = Field(description="its To and Cc addresses")
    subject: str
    sent_at: Timestamp | None = Field(description="its Date header")
    acknowledgement: str | None = Field(
        description='"sent", or why none was sent; null while one is due'
    )


class DocumentOut(Output):
    model_config = Output.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "id": 42,
                    "title": "Arrêté n° 2026-0526 — circulation rue de la Mairie",
                    "title_proposed": True,
                    "document_type": "arrete",
                    "unit": "Urbanisme",
                    "tags": ["voirie"],
                    "document_date": "2026-05-26",
                    "status": "done",
                    "needs_review": False,
                    "error": None,
                    "current_version": 1,
                    "revision": 4,
                    "created_at": "2026-05-27T08:12:03.120000Z",
                    "updated_at": "2026-05-27T08:12:09.551000Z",
                    "created_by": "scanner-accueil",
                    "deleted": False,
                    "classification": {
                        "document_type": "arrete",
                        "confidence": 0.93,
                        "source": "rules",
                    },
                    "metadata": {
                        "dates": ["2026-05-26"],
                        "siret": [],
                        "siren": [],
                        "iban": [],
                        "amounts": [],
                        "references": ["2026-0526"],
                    },
                    "version": {
                        "number": 1,
                        "sha256": "9f2c5a0e1d4b7c3a8e6f0b2d4c6a8e0f1b3d5c7e9a1b3d5f7092c4e6a8b0d2f4",
                        "size": 48213,
                        "mime_type": "application/pdf",
                        "filename": "arrete-2026-0526.pdf",
                        "comment": "",
                        "restored_from": None,
                        "created_at": "2026-05-27T08:12:03.120000Z",
                        "created_by": "scanner-accueil",
                        "status": "done",
                        "error": None,
                        "page_count": 2,
                    },
                    "retention": {
                        "rule_id": 7,
                        "rule_version": 1,
                        "final_action": "keep",
                        "reference": "Arrêtés : conservation définitive",
                        "due_date": None,
                    },
                }
            ]
        }
    }

    id: int
    title: str
    title_proposed: bool = Field(
        description="the title is ged's proposal (from the text, or the file name): saving a"
        " title, even the same, confirms it"
    )
    document_type: str | None
    unit: str | None
    tags: list[str]
    document_date: Day | None
    status: Status
    needs_review: bool
    error: str | None
    current_version: int
    revision: int = Field(description="grows with every change; the ETag is its quoted value")
    created_at: Timestamp
    updated_at: Timestamp
    created_by: str
    deleted: bool
    classification: Classification
    metadata: dict[str, Any] = Field(
        description="found in the text: dates, siret, siren, iban, amounts, references"
    )
    version: VersionOut
    retention: DocumentRetention = Field(description="the retention rule applied, and its due date")
    links: list[LinkOut] | None = Field(
        None,
        description="documents that came with this one and that the caller may read (the "
        "attachments of an e-mail's body, or the body of an attachment); only when reading "
        "one document",
    )

    mail: MailOut | None = Field(
        None,
        description="the e-mail this document is the body of (functional mailboxes); only "
        "when reading one document",
    )

    origin: BatchOrigin | None = Field(
        None, description="the scanned batch it was split from; null for a single file"
    )

    @classmethod
    def of(cls, document: Document, current: Version) -> DocumentOut:
        segment = document.batch_segment
        code = document.document_type.code if document.document_type else None
        return cls(
            id=document.id,
            title=document.title,
            title_proposed=document.title_proposed,
            document_type=code,
            unit=document.unit.name if document.unit else None,
            tags=[tag.name for tag in document.tags],
            document_date=document.document_date.isoformat() if document.document_date else None,
            status=current.public_status,  # type: ignore[arg-type]
            needs_review=document.needs_review,
            error=current.error,
            current_version=document.current_version,
            revision=document.revision,
            created_at=iso(document.created_at),
            updated_at=iso(document.updated_at),
            created_by=document.created_by.username,
            deleted=document.status == "deleted",
            classification=Classification(
                document_type=code,
                confidence=document.classification_confidence,
                source=document.classification_source,  # type: ignore[arg-type]
            ),
            metadata={
                **{kind: [] for kind in _METADATA_KINDS},
                **(document.extracted or {}),
            },
            version=VersionOut.of(current),
            retention=DocumentRetention.of(document),
            origin=segment
            and BatchOrigin(
                batch=segment.batch_id,
                segment=segment.index,
                first_page=segment.first_page,
                last_page=segment.last_page,
                barcode=dict(segment.barcode),
            ),
        )


class VersionPage(Paged):
    versions: list[VersionOut]


class PageText(Output):
    number: int
    source: Literal["text", "ocr", "none"]
    confidence: float | None
    text: str
    note: str | None


class TextOut(Output):
    version: int
    status: Status
    pages: list[PageText]

    @classmethod
    def of(cls, version: Version) -> TextOut:
        return cls(
            version=version.number,
            status=version.public_status,  # type: ignore[arg-type]
            pages=[
                PageText(
                    number=page.number,
                    source=page.source,  # type: ignore[arg-type]
                    confidence=page.confidence,
                    text=page.text,
                    note=page.note,
                )
                for page in version.pages
            ],
        )


class DocumentListQuery(PageQuery):
    document_type: list[Name] = Field(default_factory=list, description="repeatable")
    unit: list[Name] = Field(default_factory=list, description="repeatable")
    tag: list[Name] = Field(default_factory=list, description="repeatable: documents with all")
    mime_type: list[Name] = Field(default_factory=list, description="of the current version")
    date_from: IsoDate | None = Field(None, description="document date from, YYYY-MM-DD")
    date_to: IsoDate | None = Field(None, description="document date to, YYYY-MM-DD, inclusive")
    updated_since: IsoMoment | None = Field(
        None, description="changed at or after this ISO 8601 time with its offset (sync scripts)"
    )
    sort: Literal["date", "updated"] = Field(
        "date", description="date: document date, newest first; updated: last change, oldest first"
    )


class DocumentPage(Paged):
    documents: list[DocumentOut]
