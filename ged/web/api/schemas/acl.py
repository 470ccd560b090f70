"""Grants on documents and units."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, StrictBool, field_validator

from ged.web.api.schemas.common import Input, Output

Permission = Literal["read", "write", "manage"]
_PRINCIPAL = re.compile(r"^(user|group):.+$")


class Grant(Input):
    principal: str = Field(
        min_length=1,
        max_length=210,
        description="user:<username> or group:<name>",
        examples=["group:urbanisme"],
        json_schema_extra={"pattern": _PRINCIPAL.pattern},
    )
    permission: Permission

    @field_validator("principal")
    @classmethod
    def _named(cls, value: str) -> str:
        if not _PRINCIPAL.match(value):
            raise ValueError(f"{value[:50]!r} is neither user:<name> nor group:<name>")
        return value


class DocumentAclEdit(Input):
    model_config = Input.model_config | {
        "json_schema_extra": {
            "examples": [
                {
                    "inherit": True,
                    "grants": [{"principal": "group:urbanisme", "permission": "read"}],
                }
            ]
        }
    }

    inherit: StrictBool = Field(
        True, description="false keeps only these grants, narrowing the unit's ones"
    )
    grants: list[Grant] = Field(max_length=500)


class UnitAclEdit(Input):
    grants: list[Grant] = Field(max_length=500)


class GrantOut(Output):
    principal: str
    permission: Permission


class DocumentAcl(Output):
    document_id: int
    revision: int = Field(description="the document's: send it back quoted in If-Match")
    inherit: bool
    unit: str | None
    grants: list[GrantOut]
    inherited: list[GrantOut] = Field(description="the unit's grants, applied while inherit")


class UnitAcl(Output):
    unit: str
    grants: list[GrantOut]
