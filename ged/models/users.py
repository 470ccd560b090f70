"""Principals: local user accounts and scanner-station accounts."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import CheckConstraint, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from ged.db import Base

ROLES = ("admin", "archivist", "agent", "auditor", "station")


def utcnow() -> datetime:
    return datetime.now(UTC)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint(
            "role IN (" + ", ".join(f"'{role}'" for role in ROLES) + ")", name="known_role"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: login name, unique, compared as typed
    username: Mapped[str] = mapped_column(String(150), unique=True)
    #: name shown in the UI and in exports
    display_name: Mapped[str] = mapped_column(String(200), default="")
    #: one of ROLES; the role decides what the account may do beyond its ACL grants
    role: Mapped[str] = mapped_column(String(20))
    #: argon2 hash; NULL for accounts that only authenticate with API tokens (stations)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    #: a disabled account can neither log in nor use its tokens; it is never deleted (audit)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
