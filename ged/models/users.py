"""Principals: user accounts (people and scanner stations), groups, API tokens."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import Column, ForeignKey, String, Table, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ged.db import Base
from ged.models.base import one_of, timestamp, utcnow

if TYPE_CHECKING:  # documents imports this module
    from ged.models.documents import Unit

#: archives_authority gives or refuses the visa on disposal lists (and sees no document by default)
ROLES = ("admin", "archivist", "agent", "auditor", "station", "archives_authority")
SESSION_METHODS = ("password", "oidc")
#: what an API token may do: everything its account may, only read, or only upload (stations)
TOKEN_SCOPES = ("full", "read", "upload")

group_members = Table(
    "group_members",
    Base.metadata,
    Column("group_id", ForeignKey("groups.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True),
)


class User(Base):
    __tablename__ = "users"
    __table_args__ = (
        one_of("role", ROLES, "known_role"),
        # One account per person at one provider: the subject is unique only per issuer.
        UniqueConstraint("oidc_issuer", "oidc_subject", name="uq_users_oidc_identity"),
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
    #: consecutive failed logins; reset by a successful one
    failed_logins: Mapped[int] = mapped_column(default=0, server_default="0")
    #: logins are refused until then after too many failures
    locked_until: Mapped[datetime | None] = timestamp()
    created_at: Mapped[datetime] = timestamp(default=utcnow)
    #: the agent's own service (from the provider's claims, or set by an administrator)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    #: the OpenID provider and subject (``sub``) of an account created by single sign-on
    oidc_issuer: Mapped[str | None] = mapped_column(String(255))
    oidc_subject: Mapped[str | None] = mapped_column(String(255))
    #: base32 TOTP secret (RFC 6238) once the second factor is enrolled; NULL without one
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enabled_at: Mapped[datetime | None] = timestamp()
    #: the last time step accepted, so that one code cannot be replayed within its window
    totp_last_step: Mapped[int | None] = mapped_column()

    groups: Mapped[list[Group]] = relationship(secondary=group_members, back_populates="members")
    unit: Mapped[Unit | None] = relationship()


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
    __table_args__ = (one_of("scope", TOKEN_SCOPES, "known_token_scope"),)

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
    #: refused from then on; NULL: valid until revoked
    expires_at: Mapped[datetime | None] = timestamp()
    #: one of TOKEN_SCOPES
    scope: Mapped[str] = mapped_column(String(10), default="full", server_default="full")

    user: Mapped[User] = relationship()


class RecoveryCode(Base):
    """A one-time code that stands in for the TOTP code when the phone is lost.
    Only its hash is kept; using it sets used_at, and it is never accepted again."""

    __tablename__ = "recovery_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    code_hash: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[datetime] = timestamp(default=utcnow)
    used_at: Mapped[datetime | None] = timestamp()


class UserSession(Base):
    """A browser session kept server-side: the cookie carries only a random key whose
    SHA-256 is stored here, so ending the row ends the session wherever the cookie is."""

    __tablename__ = "user_sessions"
    __table_args__ = (one_of("method", SESSION_METHODS, "known_session_method"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    #: hex SHA-256 of the key in the cookie
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: how the session was opened: one of SESSION_METHODS
    method: Mapped[str] = mapped_column(String(10))
    created_at: Mapped[datetime] = timestamp(default=utcnow)
    #: refreshed by requests (coarsely); the idle timeout counts from it
    last_seen_at: Mapped[datetime] = timestamp(default=utcnow)
    #: the absolute timeout, fixed at login
    expires_at: Mapped[datetime] = timestamp()
    #: set once: the session is over (logout, timeout, ended by its user or an admin…)
    ended_at: Mapped[datetime | None] = timestamp()
    #: why it ended, e.g. logout, idle, expired, ended_by_user, ended_by_admin, password_changed
    end_reason: Mapped[str | None] = mapped_column(String(40))
    ip: Mapped[str | None] = mapped_column(String(45))
    user_agent: Mapped[str | None] = mapped_column(String(300))
    #: the provider's session id (``sid`` claim), matched by its back-channel logout
    provider_sid: Mapped[str | None] = mapped_column(String(255), index=True)
    #: the ID token, sent back as id_token_hint when logging out at the provider
    id_token: Mapped[str | None] = mapped_column(Text)

    user: Mapped[User] = relationship()
