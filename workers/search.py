"""Keeping the search index in step with the database: one document at a time, from the jobs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update

from ged.models import Document, Version
from search.client import client_for
from search.errors import SearchUnavailable
from search.indexing import delete_documents, index_documents
from workers import runtime
from workers.errors import TransientFailure
from workers.indexing import document_for_index, revision


def index_current(document_id: int) -> None:
    """Put the document as the database has it now into the index (or take it out if deleted),
    then mark its current version indexed."""
    settings = runtime.settings()
    options = settings.opensearch
    with runtime.database() as session:
        document = session.get(Document, document_id)
        if document is None:
            return
        body = None if document.status == "deleted" else document_for_index(session, document)
        current = document.current_version
        document_revision = revision(document)
    client = client_for(options)
    try:
        if body is None:
            delete_documents(client, options.index_prefix, [(document_id, document_revision)])
        else:
            index_documents(client, options.index_prefix, [body])
    except SearchUnavailable as exc:
        raise TransientFailure(f"search index unavailable: {exc}") from None
    finally:
        client.close()
    with runtime.database() as session:
        session.execute(
            update(Version)
            .where(Version.document_id == document_id, Version.number == current)
            .values(indexed_at=datetime.now(UTC))
        )
        session.commit()
