"""Search through ged's HTTP API against the same request sent straight to OpenSearch.

1. Generates N documents with bench/bench_search.py's generator and indexes them with
   ged's own indexing code (the SearchIndex adapter's rebuild: a new index, then the
   alias) under the index prefix of a scratch ged: its own database (SQLite, the
   embedded default, or a scratch PostgreSQL database), keys and blob folder.
2. Creates an agent who belongs to three of the twelve units' groups and holds a few
   direct grants: the agent reads about one document in four. The agent's API token
   authenticates every request.
3. Starts a real ``ged serve`` (waitress, [web] threads) on a free port, and sends the
   bench's queries as GET /api/v1/search, and the very body ged builds for each of them
   (search.body.search_request with the agent's ACL) as POST <alias>/_search straight
   to OpenSearch: sequentially, alternating the two query by query; then with 8 and 32
   concurrent clients (threads, each with its own keep-alive HTTP session) for a fixed
   time, API and direct phases alternating (API, direct, direct, API).
   Prints p50/p95 and requests/s of both, and their ratios.

The bench's index, database and files are deleted at the end.

Usage: .venv/bin/python bench/bench_search_api.py [--docs 20000] [--rounds 10]
    [--seconds 10] [--clients 8 32] [--database sqlite|postgresql] [--url URL]
The issue's figures are for --docs 100000. Without --url it uses the test OpenSearch
and Redis (scripts/services.py ensure --profile test).
"""

from __future__ import annotations

import argparse
import itertools
import json
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.processes is not an installed package

from bench_search import QUERIES, UNITS, generated_corpus  # noqa: E402
from scratch_databases import scratch_databases  # noqa: E402
from sqlalchemy import select  # noqa: E402

from ged.access import command_line  # noqa: E402
from ged.bootstrap import build  # noqa: E402
from ged.config import Settings, load_settings  # noqa: E402
from ged.migrate import upgrade  # noqa: E402
from ged.models import Group, User  # noqa: E402
from ged.services.tokens import create_token  # noqa: E402
from ged.services.users import create_user  # noqa: E402
from search.body import search_request  # noqa: E402
from search.index import alias_name  # noqa: E402
from tests.processes import serving  # noqa: E402

#: the generator's groups (1 to 12, one per unit) the agent belongs to, and the generator's
#: user whose direct grants are the agent's: about one document in four
AGENT_GROUPS = (3, 7, 11)
AGENT_USER = 17
#: the other generated users get ids no real account has
OTHER_USERS = 1_000_000

Query = tuple[str, dict[str, Any]]


def services() -> dict[str, str]:
    completed = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "services.py"), "ensure", "--profile", "test"]
        + ["opensearch", "redis"],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(completed.stdout)


def scratch_settings(directory: Path, database_url: str, opensearch: str, redis: str) -> Settings:
    unique = uuid.uuid4().hex[:8]
    return load_settings(
        None,
        environ={
            "GED_DATABASE__URL": database_url,
            "GED_STORAGE__PATH": str(directory / "blobs"),
            "GED_WEB__SECRET_KEY_FILE": str(directory / "secret_key"),
            "GED_AUDIT__KEY_FILE": str(directory / "audit-signing.key"),
            "GED_OPENSEARCH__URLS": json.dumps([opensearch]),
            "GED_OPENSEARCH__INDEX_PREFIX": f"ged-bench-api-{unique}",
            "GED_REDIS__URL": redis,
            "GED_REDIS__QUEUE": f"ged-bench-api-{unique}",
        },
    )


def seed_agent(settings: Settings) -> tuple[str, dict[str, str]]:
    """The agent's token, and how the generator's ACL keys map to the database's ids."""
    runtime = build(settings)
    operator = command_line()
    try:
        with runtime.unit_of_work() as uow:
            agent = create_user(uow, operator, "agent-bench", "agent", "bench password 2026")
            token = create_token(uow, operator, "agent-bench", "bench")[1]
            session = uow.session
            agent = session.scalars(select(User).where(User.username == "agent-bench")).one()
            groups = [
                Group(name=unit, members=[agent] if number in AGENT_GROUPS else [])
                for number, unit in enumerate(UNITS, start=1)
            ]
            session.add_all(groups)
            session.flush()
            keys = {f"group:{n}": f"group:{g.id}" for n, g in enumerate(groups, start=1)}
            keys[f"user:{AGENT_USER}"] = f"user:{agent.id}"
            uow.commit()
    finally:
        runtime.close()
    return token, keys


def index_corpus(
    settings: Settings, documents: list[dict[str, Any]], keys: dict[str, str]
) -> float:
    for document in documents:
        document["acl"] = [
            keys.get(key) or f"user:{OTHER_USERS + int(key.split(':')[1])}"
            for key in document["acl"]
        ]
    runtime = build(settings)
    try:
        start = time.perf_counter()
        runtime.adapters.index.rebuild(documents, len(documents))
        return time.perf_counter() - start
    finally:
        runtime.close()


class Target:
    """One way of asking the bench's queries: through ged's API or straight to OpenSearch."""

    def __init__(self, name: str, ask: Callable[[requests.Session, int], int]) -> None:
        self.name = name
        self.ask = ask  # (session, query number) -> total hits


def api_target(base: str, token: str, queries: list[Query]) -> Target:
    def ask(session: requests.Session, number: int) -> int:
        q, filters = queries[number]
        params: dict[str, Any] = {"q": q, **filters}
        answer = session.get(
            f"{base}/api/v1/search",
            params=params,
            headers={"Authorization": f"Bearer {token}"},
            timeout=60,
        )
        answer.raise_for_status()
        return answer.json()["total"]

    return Target("api", ask)


def direct_target(opensearch: str, prefix: str, queries: list[Query], acl: list[str]) -> Target:
    url = f"{opensearch}/{alias_name(prefix)}/_search?allow_partial_search_results=false"
    bodies = [
        json.dumps(
            search_request(q=q, acl=acl, filters=filters, sort="relevance", page=1, size=20)[1]
        )
        for q, filters in queries
    ]

    def ask(session: requests.Session, number: int) -> int:
        answer = session.post(
            url,
            data=bodies[number],
            headers={"Content-Type": "application/json"},
            timeout=60,
        )
        answer.raise_for_status()
        return answer.json()["hits"]["total"]["value"]

    return Target("direct", ask)


def percentiles(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=100, method="inclusive")
    return cuts[49] * 1000, cuts[94] * 1000


def sequential(
    targets: list[Target], queries: list[Query], rounds: int
) -> tuple[dict[str, dict[int, list[float]]], dict[str, dict[int, int]]]:
    """Each query through each target, alternating which goes first; three warm-up rounds."""
    times: dict[str, dict[int, list[float]]] = {t.name: {} for t in targets}
    totals: dict[str, dict[int, int]] = {t.name: {} for t in targets}
    sessions = {t.name: requests.Session() for t in targets}
    for round_number in range(rounds + 3):
        for number in range(len(queries)):
            order = targets if round_number % 2 else targets[::-1]
            for target in order:
                start = time.perf_counter()
                totals[target.name][number] = target.ask(sessions[target.name], number)
                took = time.perf_counter() - start
                if round_number >= 3:
                    times[target.name].setdefault(number, []).append(took)
    for session in sessions.values():
        session.close()
    return times, totals


def concurrent(
    target: Target, queries: int, clients: int, seconds: float
) -> tuple[list[float], float]:
    """``clients`` threads asking the queries in turn (each from its own starting point)
    for ``seconds``; returns every request's latency and the wall time."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.perf_counter() + seconds
    failures: list[BaseException] = []

    def client(offset: int) -> None:
        mine = []
        try:
            with requests.Session() as session:
                for number in itertools.islice(itertools.cycle(range(queries)), offset, None):
                    if time.perf_counter() >= stop:
                        break
                    start = time.perf_counter()
                    target.ask(session, number)
                    mine.append(time.perf_counter() - start)
        except BaseException as exc:  # noqa: BLE001 - reported by the main thread
            failures.append(exc)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client, args=(i % queries,)) for i in range(clients)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise failures[0]
    return latencies, time.perf_counter() - start


@contextmanager
def database(kind: str, directory: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite:///{directory / 'ged.sqlite3'}"
        return
    with scratch_databases("search_api") as databases:
        yield databases[1][1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=20_000, help="documents to index (20000)")
    parser.add_argument("--rounds", type=int, default=10, help="sequential runs of each query")
    parser.add_argument("--seconds", type=float, default=10, help="per concurrent measure")
    parser.add_argument("--clients", type=int, nargs="*", default=[8, 32])
    parser.add_argument("--database", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--url", help="an OpenSearch to use instead of the test one")
    args = parser.parse_args()

    found = services()
    opensearch = args.url or found["opensearch_url"]
    with ExitStack() as stack:
        directory = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ged-bench-api-")))
        settings = scratch_settings(
            directory, stack.enter_context(database(args.database, directory)), opensearch,
            found["redis_url"],
        )  # fmt: skip
        prefix = settings.opensearch.index_prefix
        stack.callback(
            requests.delete, f"{opensearch}/{prefix}-*?ignore_unavailable=true", timeout=60
        )
        upgrade(settings.database.url)
        token, keys = seed_agent(settings)

        documents = generated_corpus(args.docs)
        indexed = index_corpus(settings, documents, keys)
        print(
            f"indexed through ged's SearchIndex in {indexed:.1f}s ({args.docs / indexed:.0f} docs/s)"
        )
        acl = sorted({keys[f"user:{AGENT_USER}"], *(keys[f"group:{n}"] for n in AGENT_GROUPS)})
        readable = sum(1 for d in documents if set(d["acl"]) & set(acl))
        siret = next(d["metadata"]["siret"][0] for d in documents if set(d["acl"]) & set(acl))
        queries: list[Query] = [
            *QUERIES,
            (f"{siret[:3]} {siret[3:6]} {siret[6:9]} {siret[9:]}", {}),
        ]
        del documents
        print(
            f"the agent reads {readable} of {args.docs} documents ({readable / args.docs:.0%}); "
            f"database {args.database}, ged serve with {settings.web.threads} threads"
        )

        base = stack.enter_context(serving(settings, directory / "serve.log"))
        api = api_target(base, token, queries)
        direct = direct_target(opensearch, prefix, queries, acl)

        times, totals = sequential([api, direct], queries, args.rounds)
        if totals["api"] != totals["direct"]:
            raise SystemExit(f"the API and OpenSearch disagree on totals: {totals}")
        print(f"\nsequential, {args.rounds} runs per query, size 20, highlights and facets")
        print(
            f"{'query':42}{'hits':>8}{'api p50':>10}{'raw p50':>10}{'api p95':>10}{'raw p95':>10}  ms"
        )
        for number, (q, filters) in enumerate(queries):
            label = " ".join([q, *(f"{k}={v}" for k, v in filters.items())]).strip()
            (a50, a95), (r50, r95) = (
                percentiles(times["api"][number]),
                percentiles(times["direct"][number]),
            )
            print(
                f"{label[:41]:42}{totals['api'][number]:8}{a50:10.1f}{r50:10.1f}{a95:10.1f}{r95:10.1f}"
            )
        every = {name: [t for s in samples.values() for t in s] for name, samples in times.items()}
        (a50, a95), (r50, r95) = percentiles(every["api"]), percentiles(every["direct"])
        print(f"{'all queries':42}{'':8}{a50:10.1f}{r50:10.1f}{a95:10.1f}{r95:10.1f}")
        print(f"API / direct: p50 x{a50 / r50:.2f}, p95 x{a95 / r95:.2f}")

        for clients in args.clients:
            measured: dict[str, tuple[list[float], float]] = {"api": ([], 0.0), "direct": ([], 0.0)}
            for target in (api, direct, direct, api):
                latencies, wall = concurrent(target, len(queries), clients, args.seconds / 2)
                before = measured[target.name]
                measured[target.name] = (before[0] + latencies, before[1] + wall)
            rates = {name: len(lat) / wall for name, (lat, wall) in measured.items()}
            cuts = {name: percentiles(lat) for name, (lat, _) in measured.items()}
            print(
                f"\n{clients} concurrent clients, {args.seconds:g}s each: "
                f"API {rates['api']:.0f} req/s, p50 {cuts['api'][0]:.1f} ms, p95 {cuts['api'][1]:.1f} ms; "
                f"direct {rates['direct']:.0f} req/s, p50 {cuts['direct'][0]:.1f} ms, "
                f"p95 {cuts['direct'][1]:.1f} ms"
            )
            print(
                f"API / direct: throughput x{rates['api'] / rates['direct']:.2f}, "
                f"p50 x{cuts['api'][0] / cuts['direct'][0]:.2f}, "
                f"p95 x{cuts['api'][1] / cuts['direct'][1]:.2f}"
            )


if __name__ == "__main__":
    main()
