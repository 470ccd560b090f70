"""Principals: user accounts (people and scanner stations), groups, API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Column, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ged.db import Base
from ged.models.base import one_of, timestamp, utcnow

#: archives_authority gives or refuses the visa on disposal lists (and sees no document by default)
ROLES = ("admin", "archivist", "agent", "auditor", "station", "archives_authority")

group_members = Table(
    "group_members",
    Base.metadata,
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (one_of("role", ROLES, "known_role"),)

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
    #: consecutive failed logins; reset by a successful one
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    #: logins are refused until then after too many failures
    locked_until: Mapped[datetime | None] = timestamp()
    created_at: Mapped[datetime] = timestamp(default=utcnow)

    groups: Mapped[list[Group]] = relationship(secondary=group_members, back_populates="members")


class Group(Base):
    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(150), unique=True)
    created_at: Mapped[datetime] = timestamp(default=utcnow)

    members: Mapped[list[User]] = relationship(secondary=group_members, back_populates="groups")


class ApiToken(Base):
    """A bearer token for scripts and stations. Only its SHA-256 is kept: the token is
    random with 256 bits of entropy, so a slow password hash would add nothing."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    #: what the token is for, shown in lists and in the audit trail
    label: Mapped[str] = mapped_column(String(200))
    #: hex SHA-256 of the token
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = timestamp(default=utcnow)
    last_used_at: Mapped[datetime | None] = timestamp()
    #: set once; a revoked token is refused at once and never reactivated
    revoked_at: Mapped[datetime | None] = timestamp()

    user: Mapped[User] = relationship()
