"""Column helpers shared by the models."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime
from sqlalchemy.orm import mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


def timestamp(**kwargs):
    """A timezone-aware UTC timestamp column."""
    return mapped_column(DateTime(timezone=True), **kwargs)


def one_of(column: str, values: tuple[str, ...], name: str) -> CheckConstraint:
    """A CHECK constraint keeping a string column within a fixed vocabulary."""
    return CheckConstraint(f"{column} IN (" + ", ".join(f"'{v}'" for v in values) + ")", name=name)
