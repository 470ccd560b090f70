"""RQ job entry points: they take ids, everything else comes from the database."""

from __future__ import annotations

from workers.pipeline import process_version as run_pipeline
from workers.search import index_current


def process_version(version_id: int) -> None:
    """Run (or resume) the pipeline of one version."""
    run_pipeline(version_id)


def index_document(document_id: int) -> None:
    """Refresh one document in the search index after a metadata, ACL or status change."""
    index_current(document_id)
