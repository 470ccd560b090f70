"""The search index as one object: a client shared by every request of a process.

Building a client opens new connections; a web server's threads and a worker's jobs
share this one (its pool is sized for it, see search.client). It takes and returns
plain values and raises this package's errors (search.errors).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from search.client import check_cluster, make_client
from search.index import upgrade_mapping
from search.indexing import Document, delete_documents, index_documents, refresh
from search.reindex import reindex
from search.searching import search_documents, similar


class SearchEngine:
    def __init__(
        self,
        urls: Sequence[str],
        prefix: str,
        *,
        timeout: float = 10.0,
        username: str = "",
        password: str = "",
        verify_certs: bool = True,
    ) -> None:
        self.prefix = prefix
        self.client = make_client(
            urls,
            timeout=timeout,
            username=username,
            password=password,
            verify_certs=verify_certs,
        )
        # Checked before this process's first write (search.index.upgrade_mapping).
        self._mapping_checked = False

    def search(self, **query: Any) -> dict[str, Any]:
        """``search_documents``'s keyword arguments: q, acl, filters, sort, page, size."""
        return search_documents(self.client, self.prefix, **query)

    def similar(self, document_id: int, acl: Sequence[str] | None, size: int) -> list[dict]:
        return similar(self.client, self.prefix, document_id, acl, size=size)

    def index(self, documents: Iterable[Document], *, refresh: bool = False) -> dict[str, int]:
        if not self._mapping_checked:
            upgrade_mapping(self.client, self.prefix)
            self._mapping_checked = True
        return index_documents(self.client, self.prefix, documents, refresh=refresh)

    def delete(
        self, deletions: Iterable[tuple[int, int]], *, refresh: bool = False
    ) -> dict[str, int]:
        return delete_documents(self.client, self.prefix, deletions, refresh=refresh)

    def refresh(self) -> None:
        """Make every write acknowledged so far searchable (see search.indexing.refresh)."""
        refresh(self.client, self.prefix)

    def rebuild(
        self,
        documents: Iterable[Document],
        total: int | None,
        progress: Callable[[int, int | None], None] | None = None,
    ) -> dict[str, Any]:
        return reindex(self.client, self.prefix, documents, total=total, progress=progress)

    def check(self) -> str:
        return check_cluster(self.client)

    def close(self) -> None:
        self.client.close()
