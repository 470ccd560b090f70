"""Errors of the search package, and the one place that turns opensearch-py's into them."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from opensearchpy.exceptions import ConnectionError as TransportConnectionError
from opensearchpy.exceptions import TransportError

from ged.errors import GedError, InvalidInput, ServiceUnavailable

# Statuses that mean "not now" rather than "never": too many requests, and the
# cluster or a node unable to serve. Anything else is a bug or bad data.
_TRANSIENT_STATUSES = frozenset({429, 502, 503, 504})


class SearchUnavailable(ServiceUnavailable):
    """OpenSearch did not answer, or answered "try later": the caller may retry with backoff."""

    def __init__(self, detail: str) -> None:
        super().__init__("opensearch", detail)


class InvalidQuery(InvalidInput):
    """The search request cannot be run as given; the message says what to change."""


class IndexingFailed(GedError):
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
