"""Bulk changes, run as queued jobs, and their progress."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field, StrictBool, field_validator

from ged.models import BulkJob
from ged.timeutil import iso
from ged.web.api.schemas.acl import Grant
from ged.web.api.schemas.common import Input, Name, Output, StrictId, Timestamp, integral
from ged.web.api.schemas.documents import TagName
from search.query import MAX_QUERY_LENGTH, MAX_RESULT_WINDOW

FilterName = Annotated[str, Field(max_length=50)]


class SetDocumentType(Input):
    kind: Literal["set_document_type"]
    document_type: str | None = Field(max_length=64, description="a type code; null: none")


class SetUnit(Input):
    kind: Literal["set_unit"]
    unit: str | None = Field(max_length=200, description="a unit name; null: none")


class ChangeTags(Input):
    kind: Literal["add_tags", "remove_tags", "replace_tags"]
    tags: list[TagName] = Field(max_length=100, description="at least one, but to replace")


class ReplaceAcl(Input):
    kind: Literal["replace_acl"]
    inherit: StrictBool = True
    grants: list[Grant] = Field(max_length=500)


class AddGrants(Input):
    kind: Literal["add_grants"]
    grants: list[Grant] = Field(min_length=1, max_length=500)


class DeleteDocuments(Input):
    """Soft delete, as DELETE /api/v1/documents/{id}: a held document is refused and listed
    in the job's errors."""

    kind: Literal["delete"]


Operation = Annotated[
    SetDocumentType | SetUnit | ChangeTags | ReplaceAcl | AddGrants | DeleteDocuments,
    Field(discriminator="kind"),
]


class ById(Input):
    ids: list[StrictId] = Field(min_length=1, max_length=MAX_RESULT_WINDOW)

    _integral = field_validator("ids", mode="before")(integral)


class SearchSpec(Input):
    q: str = Field("", max_length=MAX_QUERY_LENGTH)
    filters: dict[FilterName, Name | list[Name]] = Field(
        default_factory=dict, max_length=10, description="as GET /api/v1/search takes them"
    )
    sort: Literal["relevance", "date"] = "relevance"


class BySearch(Input):
    search: SearchSpec


class BulkRequest(Input):
    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "operation": {"kind": "add_tags", "tags": ["urgent"]},
                    "selection": {"ids": [1, 2]},
                },
                {
                    "operation": {"kind": "set_unit", "unit": "Urbanisme"},
                    "selection": {"search": {"q": "permis de construire", "filters": {}}},
                },
            ]
        }
    }

    operation: Operation
    selection: ById | BySearch = Field(
        description="documents by id, or every readable hit of a search, up to the bound "
        "[api] bulk_max_documents"
    )


class DocumentError(Output):
    document_id: int
    detail: str


class JobOut(Output):
    id: int
    kind: str
    status: Literal["queued", "running", "done", "failed"]
    requested_by: str
    created_at: Timestamp
    started_at: Timestamp | None
    finished_at: Timestamp | None
    request: dict[str, Any] = Field(description="the operation and selection, as checked")
    total: int = Field(description="documents selected")
    matched: int | None = Field(description="hits of a search selection, before the bound")
    cut: bool = Field(description="the bound left some hits of the search out")
    processed: int
    succeeded: int
    unchanged: int = Field(description="already as asked: no change, no audit event")
    failed: int
    errors: list[DocumentError] = Field(description="the first ones, with their reason")
    reason: str | None = Field(description="why the whole job failed")

    @classmethod
    def of(cls, job: BulkJob) -> JobOut:
        return cls(
            id=job.id,
            kind=job.kind,
            status=job.status,  # type: ignore[arg-type]
            requested_by=job.requested_by,
            created_at=iso(job.created_at),
            started_at=iso(job.started_at),
            finished_at=iso(job.finished_at),
            request=job.request,
            total=job.total,
            matched=job.matched,
            cut=job.cut,
            processed=job.processed,
            succeeded=job.succeeded,
            unchanged=job.unchanged,
            failed=job.failed,
            errors=[DocumentError(**error) for error in job.errors],
            reason=job.reason,
        )
