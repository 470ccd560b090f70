"""The cost of auditing, on SQLite and PostgreSQL, audit on and off in the same run.

Two measures per database:

1. record() against a plain insert: N transactions, each inserting one row and
   committing. The baseline inserts the same values into a table of the same shape
   without the chain (no lock, no head read, no hash); record() does all that.
   Rounds alternate between the two so drift (caches, checkpoints) hits both.
2. Document views: requests/s of GET /api/v1/documents/{id} through the Flask test
   client, sequential and from 8 threads, with audit off (the view as it is) and on
   (an after-request hook records "document.view" and commits, which is what the
   view will do once it calls record() itself).

PostgreSQL is the test profile's (scripts/services.py ensure --profile test), which
trades durability for speed: absolute numbers are optimistic, ratios are what count.

Usage: .venv/bin/python bench/bench_audit.py [--events 2000] [--requests 1000] [--rounds 4]
"""

from __future__ import annotations

import argparse
import io
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

from flask import request
from scratch_databases import scratch_databases
from sqlalchemy import JSON, Column, DateTime, Integer, MetaData, String, Table, insert, select

from ged.access import command_line, principal_for
from ged.audit.chain import record
from ged.bootstrap import build
from ged.config import Settings, load_settings
from ged.db import make_engine, make_session_factory
from ged.migrate import upgrade
from ged.models import User
from ged.services.documents import Metadata, Upload, create_document
from ged.services.tokens import create_token
from ged.services.users import create_user
from ged.web import context, create_app

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
THREADS = 8

# Same columns as audit_events, none of the chain's work: the baseline insert.
_plain = Table(
    "bench_plain_events",
    MetaData(),
    Column("id", Integer, primary_key=True),
    Column("stream", String(10)),
    Column("seq", Integer),
    Column("ts", DateTime(timezone=True)),
    Column("actor", String(150)),
    Column("actor_token", String(200)),
    Column("action", String(64)),
    Column("object_type", String(50)),
    Column("object_id", String(200)),
    Column("outcome", String(10)),
    Column("ip", String(64)),
    Column("user_agent", String(512)),
    Column("details", JSON),
    Column("prev_hash", String(64)),
    Column("hash", String(64)),
)


def seed(settings: Settings) -> tuple[str, int]:
    """An agent, its API token, and one document it filed."""
    runtime = build(settings)
    try:
        with runtime.unit_of_work() as uow:
            operator = command_line()
            user = create_user(uow, operator, "agent", "agent", "bench password 2024")
            token = create_token(uow, operator, "agent", "bench token")[1]
            version = create_document(
                uow,
                principal_for(user),
                Upload(io.BytesIO(PDF), "arrete.pdf"),
                Metadata(title="Arrêté municipal"),
            )
            document_id = version.document_id
    finally:
        runtime.close()
    return token, document_id


def settings_for(url: str, work: Path) -> Settings:
    return load_settings(
        None,
        environ={
            "GED_DATABASE__URL": url,
            "GED_STORAGE__PATH": str(work / "blobs"),
            "GED_WEB__SECRET_KEY_FILE": str(work / "secret"),
            "GED_AUDIT__KEY_FILE": str(work / "audit.key"),
        },
    )


# --- 1. record() against a plain insert ------------------------------------------------------


def bench_record(settings: Settings, events: int, rounds: int) -> tuple[float, float]:
    """Best per-transaction time (seconds) of the plain insert and of record()."""
    engine = make_engine(settings.database)
    _plain.create(engine)
    factory = make_session_factory(engine)
    with factory() as session:
        user = session.scalars(select(User).where(User.username == "agent")).one()
        principal = principal_for(user, "bench token", "192.0.2.1", "bench/1.0")

    def plain() -> None:
        with factory() as session:
            session.execute(
                insert(_plain),
                {
                    "stream": "access",
                    "seq": 1,
                    "ts": datetime.now(UTC),
                    "actor": "agent",
                    "actor_token": "bench token",
                    "action": "document.view",
                    "object_type": "document",
                    "object_id": "1",
                    "outcome": "allowed",
                    "ip": "192.0.2.1",
                    "user_agent": "bench/1.0",
                    "details": {"version": 1},
                    "prev_hash": "0" * 64,
                    "hash": "0" * 64,
                },
            )
            session.commit()

    def audited() -> None:
        with factory() as session:
            record(
                session,
                principal,
                "document.view",
                object_type="document",
                object_id=1,
                details={"version": 1},
            )
            session.commit()

    best = {plain: float("inf"), audited: float("inf")}
    for _ in range(rounds):
        for action in (plain, audited):
            start = time.perf_counter()
            for _ in range(events):
                action()
            best[action] = min(best[action], (time.perf_counter() - start) / events)
    engine.dispose()
    return best[plain], best[audited]


# --- 2. document views -----------------------------------------------------------------------


def view_app(settings: Settings, audited: bool):
    app = create_app(settings)
    if audited:

        @app.after_request
        def record_view(response):
            if response.status_code == 200 and request.endpoint == "documents.read":
                session = context.uow().session
                record(
                    session,
                    context.principal(),
                    "document.view",
                    object_type="document",
                    object_id=request.view_args["document_id"],
                )
                session.commit()
            return response

    return app


def requests_per_second(app, url: str, token: str, count: int, threads: int) -> float:
    per_thread = count // threads
    headers = {"Authorization": f"Bearer {token}"}

    def run() -> None:
        client = app.test_client()
        for _ in range(per_thread):
            response = client.get(url, headers=headers)
            assert response.status_code == 200, response.get_data(as_text=True)

    workers = [threading.Thread(target=run) for _ in range(threads)]
    start = time.perf_counter()
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    return per_thread * threads / (time.perf_counter() - start)


def bench_views(
    settings: Settings, token: str, document_id: int, count: int, rounds: int
) -> dict[tuple[bool, int], float]:
    url = f"/api/v1/documents/{document_id}"
    apps = {audited: view_app(settings, audited) for audited in (False, True)}
    best: dict[tuple[bool, int], float] = {}
    for _ in range(rounds):
        for threads in (1, THREADS):
            for audited, app in apps.items():
                rate = requests_per_second(app, url, token, count, threads)
                best[audited, threads] = max(best.get((audited, threads), 0.0), rate)
    for app in apps.values():
        app.extensions["ged"].close()
    return best


# --- driver ----------------------------------------------------------------------------------


def bench_database(label: str, url: str, work: Path, args: argparse.Namespace) -> None:
    settings = settings_for(url, work)
    upgrade(url)
    token, document_id = seed(settings)
    plain, audited = bench_record(settings, args.events, args.rounds)
    print(f"\n{label}")
    print(f"  record() + commit  {audited * 1e6:8.0f} µs/transaction")
    print(f"  plain insert       {plain * 1e6:8.0f} µs/transaction")
    print(f"  ratio              {audited / plain:8.2f}x")
    views = bench_views(settings, token, document_id, args.requests, args.rounds)
    for threads in (1, THREADS):
        off, on = views[False, threads], views[True, threads]
        print(
            f"  GET document, {threads} thread(s): audit off {off:7.0f} req/s, "
            f"on {on:7.0f} req/s  (on/off {on / off:.2f})"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=2000, help="transactions per round")
    parser.add_argument("--requests", type=int, default=1000, help="requests per round")
    parser.add_argument("--rounds", type=int, default=4, help="rounds; the best counts")
    args = parser.parse_args()

    with scratch_databases("audit") as databases:
        for label, url, work in databases:
            bench_database(label, url, work, args)


if __name__ == "__main__":
    main()
