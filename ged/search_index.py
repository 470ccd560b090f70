"""The SearchIndex port over the search package: the one place its errors become ged's.

A write is searchable once OpenSearch next refreshes the index (each second, or never while
nobody searches), but a document is ``done`` as soon as its write returns. So that the next
search finds it without a refresh per write (which would slow a bulk ingest down to one
refresh per document), writes are counted (IndexWrites, shared by every process) and a
search that finds some not covered yet asks for one refresh first: a burst of writes costs
at most one refresh per search, a search with nothing new one look-up of the counts.
When the counts cannot be reached, a write refreshes at once and a search refreshes first:
slower, never stale.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from typing import Any

from ged.config import OpenSearchSettings
from ged.errors import DocumentNotFound, GedError, InvalidInput, ServiceUnavailable
from ged.ports import IndexWrites, Progress
from search.engine import SearchEngine
from search.errors import DocumentNotIndexed, InvalidQuery, SearchError, SearchUnavailable

log = logging.getLogger(__name__)


class OpenSearchIndex:
    def __init__(self, options: OpenSearchSettings, writes: IndexWrites | None = None) -> None:
        """Without ``writes``, each write is made searchable before it returns."""
        self.prefix = options.index_prefix
        self._writes = writes
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
            self._catch_up()
            return self._engine.search(**query)

    def similar(
        self, document_id: int, acl: Sequence[str] | None, size: int
    ) -> list[dict[str, Any]]:
        with _translated():
            self._catch_up()
            return self._engine.similar(document_id, acl, size)

    def index(
        self, documents: Iterable[Mapping[str, Any]], *, refresh: bool = False
    ) -> dict[str, int]:
        with _translated():
            result = self._engine.index(documents, refresh=refresh)
            if not refresh and result["indexed"]:
                self._written()
            return result

    def delete(
        self, deletions: Iterable[tuple[int, int]], *, refresh: bool = False
    ) -> dict[str, int]:
        with _translated():
            result = self._engine.delete(deletions, refresh=refresh)
            if not refresh and result["deleted"]:
                self._written()
            return result

    def _written(self) -> None:
        """Count a write just acknowledged, so that the next search makes it searchable;
        make it searchable now when it cannot be counted."""
        if self._writes is not None:
            try:
                self._writes.written()
                return
            except ServiceUnavailable as exc:
                log.warning("index write not counted, refreshing the index now: %s", exc)
        self._engine.refresh()

    def _catch_up(self) -> None:
        """Before a search: one refresh when a counted write may not be searchable yet."""
        if self._writes is None:
            return
        try:
            mark = self._writes.uncovered()
        except ServiceUnavailable:
            mark = -1  # unknown: refresh, and record nothing
        if mark is None:
            return
        self._engine.refresh()
        if mark >= 0:
            # Not recorded: the next search refreshes once more, harmless.
            with suppress(ServiceUnavailable):
                self._writes.covered(mark)

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
