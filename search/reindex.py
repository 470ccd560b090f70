"""Rebuilding the index behind the alias, with no downtime for searches.

1. Create ``<prefix>-documents-vN+1`` with the rebuild alias ``<prefix>-documents-next``,
   tuned for bulk loading. From then on every index_documents call writes to both
   indices, so changes made during the rebuild reach the new index too; external
   versions make the order of those writes and of the rebuild's own irrelevant.
2. Fill it from the caller's documents (read lazily: a document read before step 1
   could miss a change written only to the old index).
3. Restore refreshes and replicas, refresh, wait for the primaries.
4. In one atomic alias call: move the read alias to the new index, drop the rebuild alias;
   refresh again, for the writes that came in between.
5. Once the searches still running on the old indices have finished, delete them.

One rebuild at a time: a second one takes over (deletes the first's unfinished index).
"""

from __future__ import annotations

import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from opensearchpy import OpenSearch

from search.errors import translate_errors
from search.index import (
    alias_name,
    create_index,
    delete_index,
    index_settings,
    new_index_name,
    next_alias_name,
    versioned_indices,
)
from search.indexing import Document, write_documents

log = logging.getLogger(__name__)

Progress = Callable[[int, int | None], None]

BATCH_DOCUMENTS = 500
# Bulk requests are kept under this many characters of text, whatever the page count.
BATCH_CHARACTERS = 8_000_000
DRAIN_TIMEOUT = 30.0
# Bulk requests sent and not yet answered: OpenSearch indexes one while ged reads the next.
IN_FLIGHT = 1


def reindex(
    client: OpenSearch,
    prefix: str,
    documents: Iterable[Document],
    *,
    total: int | None = None,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Build a new index from ``documents`` and put it behind the alias.

    ``progress(done, total)`` is called after each batch. Returns {"index": new index
    name, "indexed": n, "stale": n} (stale: already newer in the new index, written by
    the pipeline meanwhile). On any failure the new index is deleted and the alias
    left where it was.
    """
    rebuild = next_alias_name(prefix)
    for name, aliases in versioned_indices(client, prefix).items():
        if rebuild in aliases:
            log.warning("taking over from an unfinished rebuild: deleting %s", name)
            delete_index(client, name)
    new = new_index_name(client, prefix)
    create_index(client, new, aliases=[rebuild], bulk_load=True)
    try:
        counts = _fill(client, rebuild, documents, total, progress)
        _finish_bulk_load(client, new)
        old = _swap(client, prefix, new)
    except BaseException:
        delete_index(client, new)
        raise
    # The pipeline's writes acknowledged between that refresh and the swap: a search counts
    # on every acknowledged write being searchable (ged.search_index). Past the swap, a
    # failure here must not delete the index the alias now reads.
    with translate_errors():
        client.indices.refresh(index=new)
    for name in old:
        _wait_for_searches(client, name)
        delete_index(client, name)
    return {"index": new, **counts}


def _fill(
    client: OpenSearch,
    target: str,
    documents: Iterable[Document],
    total: int | None,
    progress: Progress | None,
) -> dict[str, int]:
    """Write ``documents`` to ``target`` batch by batch, reading the next batches while
    OpenSearch indexes the ones before: reading from a database costs about as much as
    indexing. At most IN_FLIGHT bulk requests wait, so memory stays at a few batches."""
    counts = {"indexed": 0, "stale": 0}
    done = 0
    in_flight: deque[tuple[Future[dict[str, int]], int]] = deque()

    def collect() -> None:
        nonlocal counts, done
        sent, size = in_flight.popleft()
        written = sent.result()
        counts = {key: counts[key] + written[key] for key in counts}
        done += size
        if progress:
            progress(done, total)

    with ThreadPoolExecutor(max_workers=IN_FLIGHT, thread_name_prefix="reindex-bulk") as writer:
        for batch in _batches(documents):
            if len(in_flight) == IN_FLIGHT:
                collect()
            in_flight.append((writer.submit(write_documents, client, [target], batch), len(batch)))
        while in_flight:
            collect()
    return counts


def _batches(documents: Iterable[Document]) -> Iterator[list[Document]]:
    batch: list[Document] = []
    characters = 0
    for document in documents:
        batch.append(document)
        characters += sum(len(page["text"]) for page in document.get("pages") or [])
        if len(batch) >= BATCH_DOCUMENTS or characters >= BATCH_CHARACTERS:
            yield batch
            batch, characters = [], 0
    if batch:
        yield batch


def _finish_bulk_load(client: OpenSearch, name: str) -> None:
    live = index_settings()
    with translate_errors():
        client.indices.put_settings(
            index=name,
            body={
                "refresh_interval": None,  # back to the default
                "number_of_replicas": None,
                "auto_expand_replicas": live["auto_expand_replicas"],
            },
        )
        client.indices.refresh(index=name)
        client.cluster.health(
            index=name,
            params={"wait_for_status": "yellow", "timeout": "60s"},
            request_timeout=70,
        )


def _swap(client: OpenSearch, prefix: str, new: str) -> list[str]:
    """Move the read alias to ``new`` atomically; return the indices it leaves."""
    read = alias_name(prefix)
    indices = versioned_indices(client, prefix)
    actions: list[dict[str, Any]] = [
        {"remove": {"index": name, "alias": read}}
        for name, aliases in indices.items()
        if read in aliases
    ]
    actions += [
        {"add": {"index": new, "alias": read}},
        {"remove": {"index": new, "alias": next_alias_name(prefix)}},
    ]
    with translate_errors():
        client.indices.update_aliases(body={"actions": actions})
    return [name for name in indices if name != new]


def _wait_for_searches(client: OpenSearch, name: str) -> None:
    """Wait until no search is running on ``name`` any more (or DRAIN_TIMEOUT passed).

    A search resolves the alias when it starts: one started just before the swap
    still reads the old index, and deleting it under that search would fail it.
    """
    deadline = time.monotonic() + DRAIN_TIMEOUT
    quiet_checks = 0
    while quiet_checks < 2 and time.monotonic() < deadline:
        with translate_errors():
            stats = client.indices.stats(index=name, metric="search", ignore=[404])
        search = stats.get("_all", {}).get("total", {}).get("search", {})
        running = search.get("query_current", 0) + search.get("fetch_current", 0)
        quiet_checks = 0 if running else quiet_checks + 1
        time.sleep(0.1)
