"""Errors of the search package, and the one place that turns opensearch-py's into them.

The package imports nothing from ged: ged's search adapter (ged.search_index) turns these
into its domain errors at the boundary."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opensearchpy.exceptions import ConnectionError as TransportConnectionError
from opensearchpy.exceptions import TransportError

# Statuses that mean "not now" rather than "never": too many requests, and the
# cluster or a node unable to serve. Anything else is a bug or bad data.
_TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})


class SearchError(Exception):
    """Base of the errors this package raises on purpose; the message is meant for people."""


class SearchUnavailable(SearchError):
    """OpenSearch did not answer, or answered "try later": the caller may retry with backoff."""

    def __init__(self, detail: str) -> None:
        super().__init__(f"opensearch is unavailable: {detail}")
        self.detail = detail


class InvalidQuery(SearchError):
    """The search request cannot be run as given; the message says what to change and
    ``field`` names the parameter."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class DocumentNotIndexed(SearchError):
    """The document is not in the index, or not among those the caller may read."""

    def __init__(self, document_id: int) -> None:
        super().__init__(f"document {document_id} does not exist")
        self.document_id = document_id


class IndexingFailed(SearchError):
    """OpenSearch refused some documents for a reason a retry will not fix (e.g. bad data)."""

    def __init__(self, failures: dict[int, str]) -> None:
        shown = "; ".join(
            f"document {doc_id}: {reason}" for doc_id, reason in list(failures.items())[:5]
        )
        more = f" (and {len(failures) - 5} more)" if len(failures) > 5 else ""
        super().__init__(f"OpenSearch refused {len(failures)} document(s): {shown}{more}")
        self.failures = failures


def is_transient(status: object) -> bool:
    return status in _TRANSIENT_STATUSES


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn "OpenSearch is down or overloaded" into SearchUnavailable; let the rest propagate."""
    try:
        yield
    except TransportConnectionError as exc:
        raise SearchUnavailable(_describe(exc)) from exc
    except TransportError as exc:
        if is_transient(exc.status_code):
            raise SearchUnavailable(f"HTTP {exc.status_code}: {exc.error}") from exc
        raise


def _describe(exc: TransportConnectionError) -> str:
    info = exc.info
    text = str(info) if isinstance(info, Exception) else str(exc)
    return text.splitlines()[0] if text else type(exc).__name__
