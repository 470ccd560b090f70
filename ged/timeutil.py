"""UTC timestamps as stored and as shown."""

from __future__ import annotations

from datetime import UTC, date, datetime


def aware(moment: datetime) -> datetime:
    """SQLite hands back naive datetimes even for timezone-aware columns; they were stored in UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def today() -> date:
    """The current day in UTC: due dates and the last days of holds are UTC days."""
    return datetime.now(UTC).date()


def iso(moment: datetime | None) -> str | None:
    """ISO 8601 with a Z, as the API and the search index show times."""
    if moment is None:
        return None
    return aware(moment).isoformat().replace("+00:00", "Z")


class SystemClock:
    """The Clock port on the system's clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
