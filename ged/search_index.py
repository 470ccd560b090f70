"""The SearchIndex port over the search package: the one place its errors become ged's."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from ged.config import OpenSearchSettings
from ged.errors import DocumentNotFound, GedError, InvalidInput, ServiceUnavailable
from ged.ports import Progress
from search.engine import SearchEngine
from search.errors import DocumentNotIndexed, InvalidQuery, SearchError, SearchUnavailable


class OpenSearchIndex:
    def __init__(self, options: OpenSearchSettings) -> None:
        self.prefix = options.index_prefix
        self._engine = SearchEngine(
            options.urls,
            options.index_prefix,
            timeout=options.timeout,
            username=options.username,
            password=options.password,
            verify_certs=options.verify_certs,
        )

    def search(self, **query: Any) -> dict[str, Any]:
        with _translated():
            return self._engine.search(**query)

    def similar(
        self, document_id: int, acl: Sequence[str] | None, size: int
    ) -> list[dict[str, Any]]:
        with _translated():
            return self._engine.similar(document_id, acl, size)

    def index(
        self, documents: Iterable[Mapping[str, Any]], *, refresh: bool = False
    ) -> dict[str, int]:
        with _translated():
            return self._engine.index(documents, refresh=refresh)

    def delete(
        self, deletions: Iterable[tuple[int, int]], *, refresh: bool = False
    ) -> dict[str, int]:
        with _translated():
            return self._engine.delete(deletions, refresh=refresh)

    def rebuild(
        self,
        documents: Iterable[Mapping[str, Any]],
        total: int | None,
        progress: Progress | None = None,
    ) -> dict[str, Any]:
        with _translated():
            return self._engine.rebuild(documents, total, progress)

    def check(self) -> None:
        with _translated():
            self._engine.check()

    def close(self) -> None:
        self._engine.close()


@contextmanager
def _translated() -> Iterator[None]:
    try:
        yield
    except SearchUnavailable as exc:
        raise ServiceUnavailable("opensearch", exc.detail) from exc
    except InvalidQuery as exc:
        raise InvalidInput(str(exc), field=exc.field) from exc
    except DocumentNotIndexed as exc:
        raise DocumentNotFound(exc.document_id) from exc
    except SearchError as exc:
        raise GedError(str(exc)) from exc
