"""The small interfaces ged needs from the world, and the set of them a process holds.

ged depends on these, never on their implementations: the composition root
(ged.bootstrap) picks the implementations from the settings. The RQ queue and the
Redis counters are implemented in ``workers`` (the only package that imports rq
and redis), the search index over ``search``, the blob store in ged.storage.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from ged.config import Settings, WatchedFolder

Progress = Callable[[int, int | None], None]


class JobQueue(Protocol):
    """Hands work to the background workers. Enqueueing never raises for an outage:
    it returns the ids actually queued, and the rest stay unfinished in the database,
    where ``ged reconcile`` and the workers' recovery sweep find them."""

    #: the search index's write counts, kept on the queue's server (see IndexWrites)
    index_writes: IndexWrites

    def enqueue_versions(self, version_ids: Iterable[int]) -> list[int]: ...

    def enqueue_index(self, document_ids: Iterable[int]) -> list[int]: ...

    def enqueue_bulk(self, job_ids: Iterable[int]) -> list[int]:
        """Queue the run (or the resumption) of these bulk jobs."""
        ...

    def enqueue_delivery(self, delivery_id: int) -> bool:
        """Queue one attempt of a webhook delivery; False when it could not be queued."""
        ...

    def waiting(self, version_ids: Iterable[int]) -> set[int]:
        """The versions whose pipeline job is queued or scheduled (will run unaided)."""
        ...

    def waiting_bulk_jobs(self, job_ids: Iterable[int]) -> set[int]:
        """The bulk jobs whose run is queued or scheduled (will run unaided)."""
        ...

    def waiting_deliveries(self, delivery_ids: Iterable[int]) -> set[int]:
        """The webhook deliveries whose job is queued or scheduled."""
        ...

    def enqueue_disposal(self, list_id: int) -> bool:
        """Queue the execution (or its resumption) of an approved disposal list."""
        ...

    def waiting_disposals(self, list_ids: Iterable[int]) -> set[int]:
        """The disposal lists whose execution is queued, scheduled or running."""
        ...

    def enqueue_transfer(self, transfer_id: int) -> bool:
        """Queue the build (or its resumption) of a transfer package."""
        ...

    def waiting_transfers(self, transfer_ids: Iterable[int]) -> set[int]:
        """The transfers whose build is queued, scheduled or running."""
        ...

    def enqueue_splits(self, batch_ids: Iterable[int]) -> list[int]:
        """Queue the split (or its resumption) of these scanned batches."""
        ...

    def waiting_splits(self, batch_ids: Iterable[int]) -> set[int]:
        """The batches whose split is queued or scheduled (will run unaided)."""
        ...

    def check(self) -> None:
        """Raise ServiceUnavailable when the queue's server does not answer."""
        ...


class IndexWrites(Protocol):
    """Counts, for every process of one ged, the writes to the search index and the ones a
    finished refresh made searchable: workers write, web servers search. Each method raises
    ServiceUnavailable when the count's server does not answer."""

    def written(self) -> None:
        """Count one write OpenSearch acknowledged."""
        ...

    def uncovered(self) -> int | None:
        """None when every counted write is searchable; else the count now, the mark to
        hand to ``covered`` once a refresh started after this call has finished."""
        ...

    def covered(self, mark: int) -> None:
        """A refresh covered the writes counted up to ``mark``."""
        ...


class SearchIndex(Protocol):
    """The derived search index; raises ged's errors (ServiceUnavailable, InvalidInput,
    DocumentNotFound), never its engine's. A search or a similar look-up sees every write
    that returned before it began, in any process of the same ged."""

    def search(
        self,
        *,
        q: str,
        acl: Sequence[str] | None,
        filters: dict[str, Any],
        sort: str,
        page: int,
        size: int,
        exact_total: bool = False,
    ) -> dict[str, Any]: ...

    def similar(
        self, document_id: int, acl: Sequence[str] | None, size: int
    ) -> list[dict[str, Any]]: ...

    def index(
        self, documents: Iterable[Mapping[str, Any]], *, refresh: bool = False
    ) -> dict[str, int]: ...

    def delete(
        self, deletions: Iterable[tuple[int, int]], *, refresh: bool = False
    ) -> dict[str, int]: ...

    def rebuild(
        self,
        documents: Iterable[Mapping[str, Any]],
        total: int | None,
        progress: Progress | None = None,
    ) -> dict[str, Any]: ...

    def check(self) -> None: ...

    def close(self) -> None: ...


class BlobStore(Protocol):
    """Content-addressed bytes (SHA-256), written atomically, never modified."""

    def put(self, stream: BinaryIO, max_size: int | None = None) -> StoredBlob: ...

    def open(self, sha256: str) -> BinaryIO: ...

    def exists(self, sha256: str) -> bool: ...

    def size(self, sha256: str) -> int: ...

    def verify(self, sha256: str) -> bool: ...

    def iter_blobs(self) -> Iterator[str]: ...

    def delete_temporary(self, older_than_seconds: float) -> int: ...

    def delete(self, sha256: str) -> bool:
        """Remove a blob for good (a disposal: no row refers to it any more); False when it
        was not there. Only the disposal calls it, after the commit that forgot the blob."""
        ...

    def local_file(self, sha256: str) -> AbstractContextManager[Path]:
        """A path on the local filesystem holding the blob, for tools that need one
        (OCR, PDF readers); a remote backend would download to a temporary file."""
        ...

    def check(self) -> None:
        """Raise ServiceUnavailable unless the store accepts a write that reaches the disk."""
        ...


@dataclass(frozen=True)
class StoredBlob:
    sha256: str
    size: int
    created: bool  # False when the same content was already stored


class WatchCounters(Protocol):
    """Totals of what each watched folder took, filed, found duplicate, refused or postponed,
    and of what each mailbox took, filed, refused, postponed and acknowledged: the watcher
    and ``ged mail`` add, the web process reads."""

    def add(self, folder: Path, outcome: str) -> None: ...

    def read(self, folders: Sequence[WatchedFolder]) -> dict[str, dict[str, int]]:
        """Raise ServiceUnavailable when the counters' server does not answer."""
        ...

    def add_mail(self, account: str, outcome: str) -> None:
        """The same for a functional mailbox (``ged mail``), by account name."""

    def read_mail(self, accounts: Sequence[str]) -> dict[str, dict[str, int]]:
        """Raise ServiceUnavailable when the counters' server does not answer."""
        ...

    def close(self) -> None: ...


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True)
class Adapters:
    """What the composition root built for one process, handed to every unit of work."""

    settings: Settings
    blobs: BlobStore
    jobs: JobQueue
    index: SearchIndex
    counters: WatchCounters
    clock: Clock
