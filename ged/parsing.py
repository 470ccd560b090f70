"""Reading numbers people type (query strings, form fields, command options) into values
the databases can hold, with errors that name the field."""

from __future__ import annotations

from ged.errors import InvalidInput

# Numbers above these cannot exist in the database, and would reach it as a driver error
# instead of a plain "not found".
#: ids and version numbers are INTEGER columns: 32 bits on PostgreSQL (64 on SQLite)
MAX_ID = 2**31 - 1
#: the audit trail's sequence numbers are BIGINT
MAX_BIGINT = 2**63 - 1


def positive_int(value: str | None, field: str, maximum: int = MAX_ID) -> int | None:
    """``None`` when not given; else a whole number from 1 to ``maximum``."""
    if value is None:
        return None
    if not value.isdigit() or not 1 <= int(value) <= maximum:
        raise InvalidInput(f"{field} must be a positive whole number, not {value!r}", field=field)
    return int(value)
