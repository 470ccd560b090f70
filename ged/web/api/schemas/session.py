"""Logging in with a password (the web UI's cookie session)."""

from __future__ import annotations

from pydantic import Field

from ged.models import ROLES
from ged.web.api.schemas.common import Input, Output


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
