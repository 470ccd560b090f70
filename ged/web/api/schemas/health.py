"""Liveness and readiness probes."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from ged.web.api.schemas.common import Output


class Liveness(Output):
    status: Literal["ok"]


class Check(Output):
    ok: bool
    detail: str = Field(description="what answered, or why not")


class Readiness(Output):
    status: Literal["ready", "unavailable"]
    checks: dict[str, Check] = Field(description="database, blobs, opensearch, redis")
    detail: str | None = Field(None, description="what is down")
    watched_folders: dict[str, dict[str, int]] | None = Field(
        None, description="per scanner folder: files taken, filed, duplicate, failed, postponed"
    )
    mailboxes: dict[str, dict[str, int]] | None = Field(
        None,
        description="per mail account: messages taken, filed, failed, postponed polls, "
        "acknowledgements sent",
    )
