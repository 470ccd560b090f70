"""The base of every settings section, and the filing defaults that watched folders and
functional mailboxes share: both file what arrives as a station account, with a unit, a
type, a group and tags. Apart from ``ged.config`` so that ``ged.mail_settings`` can build
on them without an import cycle."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FilingDefaults(Section):
    #: station account that files the documents (named in every document and audit event)
    station: str = Field(min_length=1)
    unit: str = ""
    #: a document type code, or "classify" to let the pipeline decide
    document_type: str = "classify"
    #: group given the permission below on every document filed from here
    group: str = ""
    group_permission: Literal["read", "write", "manage"] = "write"
    tags: tuple[str, ...] = ()
