"""Legal holds (gels) and the documents they cover."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from ged.models import LegalHold
from ged.services.holds import MAX_REASON, is_in_force
from ged.timeutil import iso
from ged.web.api.schemas.common import Day, Input, IsoDate, Output, Paged, PageQuery, Timestamp
from ged.web.api.schemas.jobs import ById, BySearch
from ged.web.api.schemas.retention import UnruledDocument

Reason = Annotated[str, Field(min_length=1, max_length=MAX_REASON)]
Selection = Annotated[
    ById | BySearch,
    Field(description="documents by id, or every readable hit of a search (as a bulk job)"),
]


class NewHold(Input):
    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "reason": "Contentieux Dupont c/ commune, TA de Lyon n° 2601234",
                    "ends_on": None,
                    "selection": {"ids": [12, 13]},
                }
            ]
        }
    }

    reason: Reason = Field(description="shown to whoever is refused a deletion")
    ends_on: IsoDate | None = Field(None, description="last day it applies; null: until released")
    selection: Selection


class AddDocuments(Input):
    selection: Selection


class Release(Input):
    reason: Reason = Field(description="why the hold ends")


class HoldQuery(PageQuery):
    in_force: bool | None = Field(None, description="true: in force only; false: ended only")


class HoldOut(Output):
    id: int
    reason: str
    placed_at: Timestamp
    placed_by: str | None
    ends_on: Day | None
    in_force: bool
    released_at: Timestamp | None
    released_by: str | None
    release_reason: str | None
    document_count: int

    @classmethod
    def of(cls, hold: LegalHold) -> HoldOut:
        return cls(
            id=hold.id,
            reason=hold.reason,
            placed_at=iso(hold.placed_at),
            placed_by=hold.placed_by.username if hold.placed_by else None,
            ends_on=hold.ends_on.isoformat() if hold.ends_on else None,
            in_force=is_in_force(hold),
            released_at=iso(hold.released_at),
            released_by=hold.released_by.username if hold.released_by else None,
            release_reason=hold.release_reason,
            document_count=hold.document_count,
        )


class HoldPage(Paged):
    holds: list[HoldOut]


class HoldList(Output):
    holds: list[HoldOut]


class HoldDocumentPage(Paged):
    documents: list[UnruledDocument]
