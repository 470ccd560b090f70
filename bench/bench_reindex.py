"""``ged reindex`` from real rows, on SQLite and PostgreSQL, against a plain bulk load.

1. Generates N documents with bench/bench_search.py's generator (French text over one to
   four pages, types, units, tags, ACLs, identifiers).
2. Baseline, measured in the same run: the same documents, already as index bodies in
   memory, sent with opensearchpy.helpers.bulk (chunks of 500) into an index with the
   rebuild's settings (no refresh, no replica) then refreshed: what OpenSearch itself costs.
3. Per database (a scratch SQLite file, then a scratch database on the test profile's
   PostgreSQL), bulk-inserts the documents as ged's own rows (SQLAlchemy core on ged's
   tables): one version each, a tenth with an older second version whose text must not be
   indexed, a twentieth deleted, pages, tags, unit grants to the units' groups, direct
   grants to users, some notes. Then runs the real ``ged reindex`` (its own process, the
   CLI's rebuild_index) at two sizes, N/5 then N rows, and prints documents per second
   (the command's wall time, start-up included), its CPU seconds per 1000 documents
   (robust to a busy machine, unlike the wall time) and its peak RSS (VmHWM).

The PostgreSQL of the test profile trades durability for speed, and both databases are
read right after being written (warm caches): ratios are what count.
The bench's indices, databases and files are deleted at the end.

Usage: .venv/bin/python bench/bench_reindex.py [--docs 100000] [--url URL]
Without --url it uses the test OpenSearch (scripts/services.py ensure --profile test).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

from bench_search import TAGS, UNITS, generated_corpus, opensearch_url
from opensearchpy import OpenSearch, helpers
from scratch_databases import scratch_databases
from sqlalchemy import Engine, create_engine, insert, select

from ged.migrate import upgrade
from ged.models import (
    Blob,
    Document,
    DocumentType,
    Grant,
    Group,
    Note,
    Page,
    Tag,
    Unit,
    User,
    Version,
)
from ged.models.documents import document_tags
from search.client import make_client
from search.index import create_index
from search.indexing import to_source

ROOT = Path(__file__).resolve().parent.parent
ROWS_PER_INSERT = 5_000
#: the generator's users (user:1 … user:500) that hold direct grants
USERS = 500


def settings_environment(url: str, work: Path, opensearch: str, prefix: str) -> dict[str, str]:
    return {
        "GED_DATABASE__URL": url,
        "GED_STORAGE__PATH": str(work / "blobs"),
        "GED_WEB__SECRET_KEY_FILE": str(work / "secret"),
        "GED_AUDIT__KEY_FILE": str(work / "audit.key"),
        "GED_OPENSEARCH__URLS": json.dumps([opensearch]),
        "GED_OPENSEARCH__INDEX_PREFIX": prefix,
    }


def baseline(
    client: OpenSearch, prefix: str, documents: list[dict[str, Any]]
) -> tuple[float, float]:
    """Seconds, and CPU seconds of this process, to bulk-load prebuilt bodies into a
    rebuild-tuned index and refresh it."""
    name = f"{prefix}-baseline"
    bodies = [to_source(document) for document in documents]
    create_index(client, name, aliases=[], bulk_load=True)
    try:
        start, cpu = time.perf_counter(), time.process_time()
        actions = ({"_index": name, "_id": str(body["id"]), "_source": body} for body in bodies)
        helpers.bulk(client, actions, chunk_size=500, max_chunk_bytes=8_000_000)
        client.indices.refresh(index=name)
        return time.perf_counter() - start, time.process_time() - cpu
    finally:
        client.indices.delete(index=name)


class Run(NamedTuple):
    seconds: float
    cpu_seconds: float
    peak_rss: int
    indexed: int


class Seeder:
    """Writes the generated documents as ged's rows, in bulk, a slice at a time."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.now = datetime.now(UTC)
        self.version_id = 0
        with engine.begin() as connection:
            connection.execute(
                insert(User),
                [
                    {"username": f"bench-{n}", "role": "agent", "created_at": self.now}
                    for n in range(USERS + 1)
                ],
            )
            connection.execute(insert(Unit), [{"name": u, "created_at": self.now} for u in UNITS])
            connection.execute(
                insert(Group), [{"name": f"Agents {u}", "created_at": self.now} for u in UNITS]
            )
            connection.execute(insert(Tag), [{"name": tag} for tag in TAGS])
            ids = {
                "user": dict(connection.execute(select(User.username, User.id)).all()),
                "unit": dict(connection.execute(select(Unit.name, Unit.id)).all()),
                "group": dict(connection.execute(select(Group.name, Group.id)).all()),
                "tag": dict(connection.execute(select(Tag.name, Tag.id)).all()),
                "type": dict(connection.execute(select(DocumentType.code, DocumentType.id)).all()),
            }
            self.operator = ids["user"]["bench-0"]
            self.users = {f"user:{n}": ids["user"][f"bench-{n}"] for n in range(1, USERS + 1)}
            self.groups = {
                f"group:{number}": ids["group"][f"Agents {unit}"]
                for number, unit in enumerate(UNITS, start=1)
            }
            self.units, self.tags, self.types = ids["unit"], ids["tag"], ids["type"]
            # Each unit's group reads the unit's documents through an inherited grant.
            connection.execute(
                insert(Grant),
                [
                    {
                        "permission": "read",
                        "group_id": self.groups[f"group:{number}"],
                        "unit_id": self.units[unit],
                        "created_at": self.now,
                    }
                    for number, unit in enumerate(UNITS, start=1)
                ],
            )

    def insert(self, documents: list[dict[str, Any]]) -> int:
        """Insert the documents; return how many are active."""
        rng = random.Random(documents[0]["id"])
        rows: dict[Any, list[dict[str, Any]]] = {
            table: [] for table in (Document, Blob, Version, Page, document_tags, Grant, Note)
        }
        active = 0
        for generated in documents:
            self._rows(generated, rng, rows)
            active += rows[Document][-1]["status"] == "active"
        with self.engine.begin() as connection:
            for table, table_rows in rows.items():
                for start in range(0, len(table_rows), ROWS_PER_INSERT):
                    connection.execute(insert(table), table_rows[start : start + ROWS_PER_INSERT])
        return active

    def _rows(self, generated: dict[str, Any], rng: random.Random, rows: dict) -> None:
        number = generated["id"]
        created = datetime.fromisoformat(generated["created_at"].replace("Z", "+00:00"))
        versions = 2 if rng.random() < 0.1 else 1
        rows[Document].append(
            {
                "id": number,
                "title": generated["title"],
                "document_type_id": self.types.get(generated["document_type"]),
                "unit_id": self.units[generated["unit"]],
                "document_date": date.fromisoformat(generated["document_date"])
                if generated["document_date"]
                else None,
                "status": "deleted" if rng.random() < 0.05 else "active",
                "current_version": versions,
                "inherit_acl": True,
                "needs_review": False,
                "extracted": generated["metadata"],
                "created_by_id": self.operator,
                "created_at": created,
                "updated_at": created + timedelta(days=1),
                "revision": 1,
            }
        )
        for version in range(1, versions + 1):
            self.version_id += 1
            sha256 = hashlib.sha256(f"{number}/{version}".encode()).hexdigest()
            size = 1000 + rng.randrange(500_000)
            rows[Blob].append({"sha256": sha256, "size": size, "created_at": created})
            rows[Version].append(
                {
                    "id": self.version_id,
                    "document_id": number,
                    "number": version,
                    "blob_sha256": sha256,
                    "size": size,
                    "mime_type": generated["mime_type"],
                    "filename": f"document-{number}-{version}.pdf",
                    "comment": "",
                    "created_by_id": self.operator,
                    "created_at": created,
                    "status": "done",
                    "page_count": len(generated["pages"]),
                    "step": "index",
                    "attempts": 1,
                }
            )
            current = version == versions
            rows[Page] += [
                {
                    "version_id": self.version_id,
                    "number": page["number"],
                    "source": "ocr" if generated["mime_type"].startswith("image/") else "text",
                    "text": page["text"] if current else f"Brouillon remplacé. {page['text']}",
                }
                for page in generated["pages"]
            ]
        rows[document_tags] += [
            {"document_id": number, "tag_id": self.tags[tag]} for tag in generated["tags"]
        ]
        rows[Grant] += [
            {
                "permission": "read",
                "user_id": self.users[key],
                "document_id": number,
                "created_at": self.now,
            }
            for key in dict.fromkeys(generated["acl"])
            if key.startswith("user:")
        ]
        if rng.random() < 0.05:
            rows[Note].append(
                {
                    "document_id": number,
                    "author_id": self.operator,
                    "body": "Avis favorable du service, à transmettre au secrétariat général.",
                    "created_at": self.now,
                }
            )


def run_reindex(environment: dict[str, str]) -> Run:
    """Run ``ged reindex`` and measure it."""
    command = [sys.executable, "-m", "ged", "reindex"]
    with tempfile.TemporaryFile("w+") as errors:
        start = time.perf_counter()
        process = subprocess.Popen(
            command, env={**os.environ, **environment}, stdout=subprocess.DEVNULL, stderr=errors
        )
        peak = 0
        while True:
            # Peak RSS sampled, not wait4's ru_maxrss: a child started by vfork inherits the
            # high-water mark of this (much larger) process's memory. Its CPU time is its own.
            peak = max(peak, high_water_mark(process.pid))
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.05)
        elapsed = time.perf_counter() - start
        process.returncode = os.waitstatus_to_exitcode(status)
        errors.seek(0)
        said = errors.read()
    if process.returncode:
        raise SystemExit(f"ged reindex failed ({process.returncode}):\n{said}")
    found = re.search(r"(\d+) document\(s\) indexed", said)
    if found is None:
        raise SystemExit(f"ged reindex said nothing about what it indexed:\n{said}")
    return Run(elapsed, usage.ru_utime + usage.ru_stime, peak, int(found.group(1)))


def high_water_mark(pid: int) -> int:
    """Peak resident memory of a running process, in bytes (0 once it has gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return 0
    found = re.search(r"^VmHWM:\s+(\d+) kB", status, re.MULTILINE)
    return int(found.group(1)) * 1024 if found else 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=100_000, help="documents (100000)")
    parser.add_argument("--url", help="an OpenSearch to use instead of the test one")
    args = parser.parse_args()
    sizes = [args.docs // 5, args.docs]

    opensearch = args.url or opensearch_url()
    client = make_client([opensearch], timeout=120)
    documents = generated_corpus(args.docs)
    prefix = f"ged-bench-reindex-{uuid.uuid4().hex[:8]}"
    try:
        rates = {}
        for size in sizes:
            seconds, cpu = baseline(client, prefix, documents[:size])
            rates[size] = size / seconds
            print(
                f"baseline, helpers.bulk of prebuilt bodies, {size} docs: {rates[size]:.0f} docs/s,"
                f" client CPU {cpu / size * 1000:.2f}s per 1000 docs"
            )
        with scratch_databases("reindex") as databases:
            for label, url, work in databases:
                print(f"\n{label}")
                environment = settings_environment(url, work, opensearch, f"{prefix}-{work.name}")
                upgrade(url)
                engine = create_engine(url)
                seeder = Seeder(engine)
                inserted = 0
                runs = []
                for size in sizes:
                    start = time.perf_counter()
                    seeder.insert(documents[inserted:size])
                    print(
                        f"  inserted rows up to {size} documents in {time.perf_counter() - start:.1f}s"
                    )
                    inserted = size
                    run = run_reindex(environment)
                    rate = run.indexed / run.seconds
                    print(
                        f"  ged reindex, {size} rows, {run.indexed} active: {run.seconds:.1f}s, "
                        f"{rate:.0f} docs/s ({rate / rates[size]:.2f}x the baseline), "
                        f"CPU {run.cpu_seconds / run.indexed * 1000:.2f}s per 1000 docs, "
                        f"peak RSS {run.peak_rss / 2**20:.0f} MiB"
                    )
                    runs.append(run)
                small, large = runs
                added = large.indexed - small.indexed
                print(
                    f"  from {sizes[0]} to {sizes[1]} rows (fixed costs cancelled): "
                    f"{added / (large.seconds - small.seconds):.0f} docs/s, CPU "
                    f"{(large.cpu_seconds - small.cpu_seconds) / added * 1000:.2f}s per 1000 docs, "
                    f"peak RSS {(large.peak_rss - small.peak_rss) / 2**20:+.0f} MiB"
                )
                engine.dispose()
    finally:
        client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        client.close()


if __name__ == "__main__":
    main()
