"""The search box and "more like this"."""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import Field

from ged.web.api.schemas.common import Day, Input, IsoDate, Name, Output
from search.body import TOTAL_BOUND
from search.query import MAX_PAGE_SIZE, MAX_QUERY_LENGTH, MAX_RESULT_WINDOW

#: pages of the largest size that fit in the results OpenSearch lets one page through
MAX_PAGES = MAX_RESULT_WINDOW // MAX_PAGE_SIZE


class SearchParameters(Input):
    """What a search asks, as GET /api/v1/search takes it (a saved search keeps these)."""

    q: str = Field(
        "",
        max_length=MAX_QUERY_LENGTH,
        description='words, "exact phrases", -exclusions, and the prefixes type:, unit:, tag:, '
        "note:",
        examples=["arrêté circulation", '"permis de construire" unit:Urbanisme'],
    )
    document_type: list[Name] = Field(default_factory=list, description="repeatable")
    unit: list[Name] = Field(default_factory=list, description="repeatable")
    tag: list[Name] = Field(default_factory=list, description="repeatable")
    mime_type: list[Name] = Field(
        default_factory=list,
        description="the current version's file type, repeatable",
        examples=[["application/pdf"]],
    )
    date_from: IsoDate | None = Field(None, description="document date from, YYYY-MM-DD")
    date_to: IsoDate | None = Field(None, description="document date to, YYYY-MM-DD, inclusive")
    sort: Literal["relevance", "date"] = "relevance"

    def filters(self) -> dict[str, object]:
        """The filters given, as the search service takes them: one value alone, several as
        a list (which match any of them)."""
        given = self.model_dump(exclude={"q", "sort", "page", "size"}, exclude_defaults=True)
        return {
            name: value.isoformat() if isinstance(value, date) else _one_or_many(value)
            for name, value in given.items()
        }


class SearchQuery(SearchParameters):
    page: int = Field(
        1, ge=1, le=MAX_PAGES, description=f"at most {MAX_PAGES}: narrow the search to go deeper"
    )
    size: int = Field(20, ge=1, le=MAX_PAGE_SIZE)


def _one_or_many(values: list[str]) -> str | list[str]:
    return values[0] if len(values) == 1 else values


class SimilarQuery(Input):
    size: int = Field(10, ge=1, le=50)


class Highlight(Output):
    page: int
    fragment: str = Field(description="the matched words in <mark>…</mark>, the rest escaped")


class Hit(Output):
    id: int
    title: str
    document_type: str | None
    unit: str | None
    document_date: Day | None
    score: float | None = Field(description="none when sorted by date")


class SearchHit(Hit):
    highlights: list[Highlight]


class Bucket(Output):
    value: str | int
    count: int


class Facets(Output):
    document_type: list[Bucket]
    unit: list[Bucket]
    year: list[Bucket]
    tags: list[Bucket]
    mime_type: list[Bucket] = Field(description="the current version's file type")


class SearchResult(Output):
    model_config = Output.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "total": 1,
                    "total_is_lower_bound": False,
                    "page": 1,
                    "size": 20,
                    "hits": [
                        {
                            "id": 42,
                            "title": "Arrêté n° 2026-0526 — circulation rue de la Mairie",
                            "document_type": "arrete",
                            "unit": "Urbanisme",
                            "document_date": "2026-05-26",
                            "score": 7.31,
                            "highlights": [
                                {"page": 1, "fragment": "la <mark>circulation</mark> est interdite"}
                            ],
                        }
                    ],
                    "facets": {
                        "document_type": [{"value": "arrete", "count": 1}],
                        "unit": [{"value": "Urbanisme", "count": 1}],
                        "year": [{"value": 2026, "count": 1}],
                        "tags": [],
                        "mime_type": [{"value": "application/pdf", "count": 1}],
                    },
                }
            ]
        }
    }

    total: int = Field(
        description=f"documents found, counted exactly up to {TOTAL_BOUND} only: past it, "
        "a lower bound (see total_is_lower_bound)"
    )
    total_is_lower_bound: bool = Field(
        description="true when more documents match than total says: the web UI then "
        "shows « plus de 10 000 documents »"
    )
    page: int
    size: int
    hits: list[SearchHit]
    facets: Facets


class SimilarResult(Output):
    hits: list[Hit]
