"""`ged reindex`: rebuild the search index from the database, behind the alias."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, selectinload, sessionmaker

from ged.config import Settings
from ged.db import make_engine, make_session_factory
from ged.models import Document, Version
from search.client import client_for
from search.reindex import reindex
from workers.indexing import document_for_index

#: documents read per database round trip while rebuilding
BATCH = 200


def rebuild_index(
    settings: Settings, progress: Callable[[int, int | None], None] | None = None
) -> dict[str, Any]:
    """Build a new index from every active document's stored text (no OCR), then swap
    the alias; searches keep using the old index until then."""
    engine = make_engine(settings.database)
    factory = make_session_factory(engine)
    client = client_for(settings.opensearch)
    started = datetime.now(UTC)
    try:
        with factory() as session:
            ids = list(
                session.scalars(
                    select(Document.id).where(Document.status == "active").order_by(Document.id)
                )
            )
        result = reindex(
            client,
            settings.opensearch.index_prefix,
            _documents(factory, ids),
            total=len(ids),
            progress=progress,
        )
        with factory() as session:
            _mark_indexed(session, ids, started)
    finally:
        client.close()
        engine.dispose()
    return result


def _documents(factory: sessionmaker[Session], ids: list[int]) -> Iterator[dict[str, Any]]:
    # Read lazily, batch by batch: a document changed during the rebuild is written to
    # both indices by the pipeline, and its newer revision wins in either order.
    for start in range(0, len(ids), BATCH):
        with factory() as session:
            documents = session.scalars(
                select(Document)
                .where(Document.id.in_(ids[start : start + BATCH]), Document.status == "active")
                .options(selectinload(Document.tags), selectinload(Document.versions))
                .order_by(Document.id)
            )
            yield from [document_for_index(session, document) for document in documents]


def _mark_indexed(session: Session, ids: list[int], when: datetime) -> None:
    current = (
        select(Document.current_version).where(Document.id == Version.document_id).scalar_subquery()
    )
    for start in range(0, len(ids), BATCH):
        session.execute(
            update(Version)
            .where(Version.document_id.in_(ids[start : start + BATCH]), Version.number == current)
            .values(indexed_at=when)
        )
    session.commit()
