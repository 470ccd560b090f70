"""Documents shaped like those the database side hands to search, and a helper to index them."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import pytest
from opensearchpy import OpenSearch

from ged.config import Settings
from search.indexing import index_documents

_revisions = itertools.count(1_732_800_000_000_000)


def make_document(document_id: int, *pages: str, **fields: Any) -> dict[str, Any]:
    """A document with the given page texts; every other field has a plausible default."""
    document: dict[str, Any] = {
        "id": document_id,
        "revision": next(_revisions),
        "title": f"Document {document_id}",
        "document_type": "courrier",
        "unit": "Affaires générales",
        "tags": [],
        "mime_type": "application/pdf",
        "status": "active",
        "document_date": "2026-03-12",
        "created_at": "2026-03-12T10:00:00Z",
        "version": 1,
        "acl": ["user:1"],
        "pages": [{"number": number, "text": text} for number, text in enumerate(pages, 1)],
        "metadata": {},
    }
    document.update(fields)
    return document


@pytest.fixture
def prefix(settings: Settings) -> str:
    return settings.opensearch.index_prefix


@pytest.fixture
def index(opensearch_client: OpenSearch, prefix: str) -> Callable[..., dict[str, int]]:
    """Index documents and make them searchable at once."""

    def run(*documents: dict[str, Any]) -> dict[str, int]:
        return index_documents(opensearch_client, prefix, documents, refresh=True)

    return run
