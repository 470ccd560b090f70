"""One page of a list, counted: what every list use case answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    number: int = 1
    size: int = 20

    @property
    def offset(self) -> int:
        return (self.number - 1) * self.size


@dataclass(frozen=True)
class PageOf(Generic[T]):
    items: list[T]
    total: int
    page: int
    size: int


def paginate(session: Session, query: Select[Any], page: Page | None) -> PageOf[Any]:
    """The rows of ``query`` (already ordered) on ``page``, and how many there are in all;
    no page: every row (the web UI's short admin lists)."""
    if page is None:
        rows = list(session.scalars(query))
        return PageOf(rows, len(rows), 1, max(len(rows), 1))
    total = session.scalar(select(func.count()).select_from(query.order_by(None).subquery()))
    rows = list(session.scalars(query.offset(page.offset).limit(page.size)))
    return PageOf(rows, total or 0, page.number, page.size)
