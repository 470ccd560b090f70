"""Writing documents to the index with the bulk API.

Every write carries the document's revision as an external version
(``external_gte``), so writes are idempotent and commute: retrying a batch, two
workers racing, or a rebuild replaying an older snapshot can never replace a
newer revision with an older one. OpenSearch answers such a write with a version
conflict, which here means "already newer", not an error.

A document is a plain dict, as the database side builds it::

    {"id": 12, "revision": 1732800000123456,  # grows with every change
     "title": "Arrêté n° 2026-114 …", "document_type": "arrete" | None, "unit": "Voirie" | None,
     "tags": ["circulation"], "mime_type": "application/pdf", "status": "active",
     "document_date": "2026-03-12" | None, "created_at": "2026-03-12T10:00:00Z",
     "acl": ["user:4", "group:2"],  # principals who may read it
     "pages": [{"number": 1, "text": "…"}],
     "notes": ["Avis favorable du service voirie"],  # the notes' bodies, answers included
     "metadata": {"siret": [], "siren": [], "iban": [], "tva": [], "references": [],
                  "amounts": [{"value": "1234.56", "currency": "EUR", "kind": "TTC"}], …}}

Other keys (version, metadata dates, organisations) are accepted and not indexed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from typing import Any

from opensearchpy import OpenSearch

from search.errors import IndexingFailed, SearchUnavailable, is_transient, translate_errors
from search.index import alias_name, ensure_index, next_alias_name

Document = Mapping[str, Any]

_IDENTIFIER_KEYS = ("siret", "siren", "iban", "tva", "references")


def to_source(document: Document) -> dict[str, Any]:
    """The indexed body of a document (the dict described above)."""
    metadata = document.get("metadata") or {}
    identifiers = [value for key in _IDENTIFIER_KEYS for value in metadata.get(key) or []]
    identifiers += [amount["value"] for amount in metadata.get("amounts") or []]
    created_at = document["created_at"]
    return {
        "id": document["id"],
        "title": document.get("title") or "",
        "document_type": document.get("document_type"),
        "unit": document.get("unit"),
        "tags": list(document.get("tags") or []),
        "mime_type": document.get("mime_type"),
        "status": document.get("status") or "active",
        "document_date": document.get("document_date"),
        "created_at": created_at,
        "date": document.get("document_date") or created_at,
        "acl": list(document["acl"]),
        "identifiers": list(dict.fromkeys(compact(str(value)) for value in identifiers)),
        "pages": [
            {"number": page["number"], "text": page["text"]} for page in document.get("pages") or []
        ],
        "notes": list(document.get("notes") or []),
    }


def compact(identifier: str) -> str:
    """Identifiers are stored and looked up without the spaces people print in them."""
    return re.sub(r"\s+", "", identifier)


def index_documents(
    client: OpenSearch, prefix: str, documents: Iterable[Document], *, refresh: bool = False
) -> dict[str, int]:
    """Index (create or replace) documents; return {"indexed": n, "stale": n}.

    "stale" counts documents the index already holds at a newer revision. ``refresh``
    makes them searchable before returning (for tests and interactive edits; the
    pipeline can leave it to the next periodic refresh).
    Raises SearchUnavailable when a retry may succeed, IndexingFailed when it cannot.
    """
    return write_documents(
        client,
        _write_targets(client, prefix),
        documents,
        vanishing=next_alias_name(prefix),
        refresh=refresh,
    )


def write_documents(
    client: OpenSearch,
    targets: list[str],
    documents: Iterable[Document],
    *,
    vanishing: str | None = None,
    refresh: bool = False,
) -> dict[str, int]:
    """Write documents to each of ``targets`` (aliases) in one bulk request.

    ``vanishing`` names a target that may disappear meanwhile without harm (a rebuild's
    alias, removed when the rebuild swaps). Outcomes are counted on the first target.
    """
    documents = list(documents)
    if not documents:
        return {"indexed": 0, "stale": 0}
    actions: list[dict[str, Any]] = []
    for target in targets:
        for document in documents:
            header = {
                "_index": target,
                "_id": str(document["id"]),
                "version": document["revision"],
                "version_type": "external_gte",
            }
            actions += [{"index": header}, to_source(document)]
    first = _bulk(client, actions, vanishing=vanishing, refresh=refresh)[: len(documents)]
    return {"indexed": first.count("done"), "stale": first.count("stale")}


def delete_documents(
    client: OpenSearch, prefix: str, deletions: Iterable[tuple[int, int]], *, refresh: bool = False
) -> dict[str, int]:
    """Remove documents given as (id, revision); return {"deleted": n, "stale": n}.

    The revision is checked like on indexing, so a deletion never removes a newer
    revision; deleting a document the index does not hold is not an error.
    """
    deletions = list(deletions)
    if not deletions:
        return {"deleted": 0, "stale": 0}
    actions = [
        {
            "delete": {
                "_index": target,
                "_id": str(document_id),
                "version": revision,
                "version_type": "external_gte",
            }
        }
        for target in _write_targets(client, prefix)
        for document_id, revision in deletions
    ]
    first = _bulk(client, actions, vanishing=next_alias_name(prefix), refresh=refresh)
    first = first[: len(deletions)]
    return {"deleted": first.count("done"), "stale": first.count("stale")}


def refresh(client: OpenSearch, prefix: str) -> None:
    """Make every write acknowledged before this call searchable through the read alias
    (OpenSearch answers once the refresh is done). No index yet: nothing to refresh."""
    with translate_errors():
        client.indices.refresh(
            index=alias_name(prefix), params={"ignore_unavailable": "true"}, ignore=[404]
        )


def _write_targets(client: OpenSearch, prefix: str) -> list[str]:
    """The read alias, plus the rebuild's alias while a rebuild runs.

    Writing through aliases (with require_alias) rather than to concrete index names
    means a write racing with the end of a rebuild lands on the new index or fails
    harmlessly; it can never auto-create a stray index with a guessed mapping.
    """
    read, rebuild = alias_name(prefix), next_alias_name(prefix)
    with translate_errors():
        # 404 when either alias is missing, with the other's indices still listed.
        answer = client.indices.get_alias(name=f"{read},{rebuild}", ignore=[404])
    present = {
        alias for info in answer.values() if isinstance(info, dict) for alias in info["aliases"]
    }
    if read not in present:
        ensure_index(client, prefix)
    return [read, rebuild] if rebuild in present else [read]


def _bulk(
    client: OpenSearch, actions: list[dict[str, Any]], *, vanishing: str | None, refresh: bool
) -> list[str]:
    """Send one bulk request; return per action "done" or "stale", in order."""
    with translate_errors():
        answer = client.bulk(
            body=actions,
            params={"require_alias": "true", "refresh": "true" if refresh else "false"},
        )
    outcomes: list[str] = []
    failures: dict[int, str] = {}
    transient: list[str] = []
    for item in answer["items"]:
        ((operation, result),) = item.items()
        status = result.get("status", 0)
        error = result.get("error") or {}
        if status < 300 or (operation == "delete" and status == 404 and not error):
            outcomes.append("done")
        elif error.get("type") == "version_conflict_engine_exception":
            outcomes.append("stale")
        elif error.get("type") == "index_not_found_exception" and error.get("index") == vanishing:
            # The rebuild ended between reading the aliases and writing: its index is
            # now the read alias's, which this same request also wrote to.
            outcomes.append("done")
        elif is_transient(status):
            transient.append(f"HTTP {status}: {error.get('reason', error.get('type'))}")
            outcomes.append("failed")
        else:
            failures[int(result["_id"])] = f"{error.get('type')}: {error.get('reason')}"
            outcomes.append("failed")
    if transient:
        raise SearchUnavailable(f"{len(transient)} write(s) rejected, e.g. {transient[0]}")
    if failures:
        raise IndexingFailed(failures)
    return outcomes
