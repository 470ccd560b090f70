"""An installation with documents filed by an agent through the service layer, on any
database and blob store, for the commands that check what is stored (fsck, backup verify)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from io import BytesIO
from typing import Any

import pytest
from sqlalchemy import select

from ged.access import Principal, principal_for
from ged.bootstrap import Runtime, build
from ged.config import Settings
from ged.models import User
from ged.services import documents
from ged.services.documents import Metadata, Upload
from tests import s3
from tests.storage_backends import Backend

PDF = b"%PDF-1.4\n%%EOF\n"


@dataclass
class Filed:
    settings: Settings
    runtime: Runtime
    agent: Principal
    backend: Backend
    #: the SHA-256 of each document filed, in order (document ids 1, 2, …)
    shas: list[str] = field(default_factory=list)

    def file(self, name: str, content: bytes | None = None) -> None:
        """File a document (a tiny PDF of its own unless ``content`` is given)."""
        content = PDF + name.encode() if content is None else content
        with self.runtime.unit_of_work() as uow:
            documents.create_document(uow, self.agent, Upload(BytesIO(content), name), Metadata())
        self.shas.append(hashlib.sha256(content).hexdigest())


def open_installation(settings: Settings) -> Filed:
    """A runtime on a migrated database, with an agent account and nothing filed yet;
    close its runtime after."""
    runtime = build(settings)
    with runtime.unit_of_work() as uow:
        uow.session.add(User(username="agent", role="agent"))
        uow.commit()
        agent = principal_for(uow.session.scalars(select(User)).one())
    return Filed(
        settings, runtime, agent, Backend(settings.storage.backend, runtime.adapters.blobs)
    )


#: (database, blob store) pairs the storage commands are tested on
COMBINATIONS = [("sqlite", "local"), ("postgresql", "local"), ("sqlite", "s3")]


def combination_sections(request: pytest.FixtureRequest) -> dict[str, dict[str, Any]]:
    """The settings sections of the fixture parameter's (database, blob store): a fresh
    migrated PostgreSQL database, an S3 prefix of its own; SQLite and a local store are
    make_settings' defaults."""
    database, backend = request.param
    sections: dict[str, dict[str, Any]] = {}
    if backend == "s3":
        urls, bucket = request.getfixturevalue("s3_urls"), request.getfixturevalue("s3_bucket")
        sections["storage"] = s3.storage_section(urls, bucket)
    if database == "postgresql":
        sections["database"] = {"url": request.getfixturevalue("fresh_postgres_url")}
    return sections
