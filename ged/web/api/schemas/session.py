"""Logging in with a password (the web UI's cookie session), and the sessions open."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ged.models import ROLES, UserSession
from ged.timeutil import iso
from ged.web.api.schemas.common import Absent, Input, Name, Output, Timestamp


class Credentials(Input):
    username: str = Field(min_length=1, max_length=150)
    password: str = Field(min_length=1, max_length=1024)
    code: str | None = Field(
        None,
        min_length=1,
        max_length=64,
        description="the 6-digit code of the account's authenticator application, or one of "
        "its recovery codes, when the account has a second factor",
    )


class SessionOut(Output):
    username: str
    role: str = Field(description=f"one of {', '.join(ROLES)}")
    csrf_token: str = Field(
        description="send it as X-CSRFToken with every state-changing request made with the cookie"
    )


class PasswordChange(Input):
    current_password: str = Field(min_length=1, max_length=1024)
    new_password: str = Field(min_length=1, max_length=1024)


class SessionsQuery(Input):
    user: Name = Absent(description="whose sessions (an administrator's question); default: yours")


class SessionInfo(Output):
    id: int
    username: str
    method: Literal["password", "oidc"] = Field(description="how it was opened")
    created_at: Timestamp
    last_seen_at: Timestamp = Field(description="to the minute: refreshed at most once a minute")
    expires_at: Timestamp = Field(description="when it ends at the latest, whatever it does")
    ip: str | None
    user_agent: str | None
    current: bool = Field(description="the session this request came with")

    @classmethod
    def of(cls, row: UserSession, current_id: int | None) -> SessionInfo:
        return cls(
            id=row.id,
            username=row.user.username,
            method=row.method,  # type: ignore[arg-type]
            created_at=iso(row.created_at),
            last_seen_at=iso(row.last_seen_at),
            expires_at=iso(row.expires_at),
            ip=row.ip,
            user_agent=row.user_agent,
            current=row.id == current_id,
        )


class SessionList(Output):
    sessions: list[SessionInfo] = Field(description="the live sessions, newest first")
