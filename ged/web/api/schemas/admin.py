"""Accounts, groups, units and API tokens."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StrictBool, model_validator

from ged.models import ApiToken, User
from ged.passwords import MIN_LENGTH
from ged.timeutil import iso
from ged.web.api.schemas.common import Input, IsoMoment, Name, Output, Paged, Timestamp

Role = Literal["admin", "archivist", "agent", "auditor", "station", "archives_authority"]
Scope = Literal["full", "read", "upload"]
_SCOPES = (
    "full: whatever its account may; read: only what reads (no change); upload: only "
    "filing documents and adding versions (no read, list or search: a scanner station's)"
)


class NewUser(Input):
    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "username": "mdupont",
                    "role": "agent",
                    "password": "une phrase de passe assez longue",
                    "groups": ["urbanisme"],
                }
            ],
            # the password rule, for clients and fuzzers: only stations may go without
            "if": {"properties": {"role": {"not": {"const": "station"}}}},
            "then": {"required": ["password"], "properties": {"password": {"type": "string"}}},
        }
    }

    username: str = Field(min_length=1, max_length=150)
    role: Role
    password: Annotated[str, Field(min_length=MIN_LENGTH, max_length=1024)] | None = Field(
        None, description="required but for stations, which use API tokens"
    )
    groups: list[Name] = Field(default_factory=list, max_length=200)

    @model_validator(mode="after")
    def _password_unless_station(self) -> NewUser:
        if self.password is None and self.role != "station":
            raise ValueError(
                f"a password is required for the role {self.role}: only stations go without"
            )
        return self


class UserEdit(Input):
    role: Role | None = None
    is_active: StrictBool | None = Field(None, description="false disables the account at once")
    groups: list[Name] | None = Field(None, max_length=200, description="replaces the groups")
    display_name: str | None = Field(None, max_length=200)


class UserOut(Output):
    username: str
    display_name: str | None
    role: Role
    is_active: bool
    groups: list[str]
    created_at: Timestamp
    second_factor: bool = Field(
        description="the account has a second factor (TOTP) besides its password"
    )

    @classmethod
    def of(cls, user: User) -> UserOut:
        return cls(
            username=user.username,
            display_name=user.display_name,
            role=user.role,  # type: ignore[arg-type]
            is_active=user.is_active,
            groups=sorted(group.name for group in user.groups),
            created_at=iso(user.created_at),
            second_factor=user.totp_secret is not None,
        )


class UserPage(Paged):
    users: list[UserOut]


class NewGroup(Input):
    name: str = Field(min_length=1, max_length=150)


class NewUnit(Input):
    name: str = Field(min_length=1, max_length=200)


class GroupOut(Output):
    name: str
    members: list[str]


class GroupPage(Paged):
    groups: list[GroupOut]


class UnitOut(Output):
    name: str


class UnitPage(Paged):
    units: list[UnitOut]


class NewToken(Input):
    username: str = Field(min_length=1, max_length=150, description="the account it acts as")
    label: str = Field(min_length=1, max_length=200, description="what it is for")
    scope: Scope = Field("full", description=_SCOPES)
    expires_at: IsoMoment | None = Field(
        None, description="refused from then on (in the future); null: until revoked"
    )


class TokenOut(Output):
    id: int
    username: str
    label: str
    scope: Scope = Field(description=_SCOPES)
    created_at: Timestamp
    last_used_at: Timestamp | None
    revoked_at: Timestamp | None
    expires_at: Timestamp | None

    @classmethod
    def of(cls, token: ApiToken) -> TokenOut:
        return cls(
            id=token.id,
            username=token.user.username,
            label=token.label,
            scope=token.scope,  # type: ignore[arg-type]
            created_at=iso(token.created_at),
            last_used_at=iso(token.last_used_at),
            revoked_at=iso(token.revoked_at),
            expires_at=iso(token.expires_at),
        )


class CreatedToken(TokenOut):
    token: str = Field(description="the secret, shown this once: keep it")


class TokenPage(Paged):
    tokens: list[TokenOut]
