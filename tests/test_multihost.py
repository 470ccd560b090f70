"""ged on several hosts survives the loss of any one part: two `ged serve` and two `ged
worker`, each with its own directory, temp dir and configuration file and no shared
filesystem (blobs only in S3), share PostgreSQL, Redis, an S3 server and a three-node
OpenSearch cluster. While uploads and searches go to both web hosts through a balancer,
one web process, one worker (mid-job) and one OpenSearch node are SIGKILLed and restarted
and the S3 server is stopped for 30 s. Then every accepted upload is done, intact and
searchable, none is there twice, no answer was a 5xx but a 503 while S3 was down, and
nothing but ged's own processes did the recovery (no `ged reconcile`).

Its own command, outside the suite's time budget: scripts/test.sh --multihost (README).
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import random
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, Worker
from sqlalchemy import func, select

from ged.access import command_line
from ged.bootstrap import build
from ged.config import Settings, load_settings
from ged.db import make_engine, make_session_factory
from ged.models import Version
from ged.services.tokens import create_token
from ged.services.users import create_user
from search.client import make_client
from search.index import alias_name
from tests import s3, services
from tests.ingest.samples import born_digital_pdf, french_paragraphs, save_image_pdf, scan_image
from tests.multihost import AnswerLost, Balancer, Host, Outages, WebHost
from tests.processes import wait_until
from tests.services import Throwaway

pytestmark = pytest.mark.multihost

SYLLABLES = [
    "ba",
    "be",
    "bi",
    "bo",
    "da",
    "de",
    "di",
    "do",
    "fa",
    "fe",
    "fi",
    "fo",
    "ga",
    "ge",
    "go",
    "ka",
    "ke",
    "ki",
    "ko",
    "ku",
]
#: the test ports + this (+ TEST_SLOT): s3proxy 9520, the cluster 9300-9302 (transport
#: 9400-9402), clear of the run's services and of the throwaway instances (offsets 10 up)
PORT_OFFSET = 40
SCAN_EVERY = 8  # one upload in 8 is a scan, for OCR jobs long enough to be killed in
MAX_UPLOADS = 120
MIN_ACCEPTED = 30
CLIENTS = 3  # uploading at once
CLUSTER = "opensearch-cluster"
#: seconds the pipeline may take to finish every version once the faults are over
SETTLE_SECONDS = 150
KEPT_FOR_S3 = 5  # of each client's uploads
PACE = 1.0  # seconds between two uploads of a client: the load lasts as the faults do


def unique_words(count: int) -> list[str]:
    """Words no French text holds, that stemming leaves whole; random syllables, so that
    hardly two are within the two letters of a fuzzy match (which OCR errors call for)."""
    rng = random.Random(18)
    words: dict[str, None] = {}
    while len(words) < count:
        words["".join(rng.choice(SYLLABLES) for _ in range(4)) + "vor"] = None
    return list(words)


@dataclass
class Upload:
    index: int
    word: str
    filename: str
    content: bytes
    #: "accepted" (2xx), "lost" (the connection broke: outcome unknown), "refused" (given
    #: up at the end of the load), or "answered N" (an error that is not the server's)
    outcome: str = ""
    document_id: int | None = None

    @property
    def scanned(self) -> bool:
        return scanned(self.index)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.content).hexdigest()


def scanned(index: int) -> bool:
    return index % SCAN_EVERY == SCAN_EVERY - 1


def make_upload(index: int, word: str, directory: Path) -> Upload:
    path = directory / f"piece-{index:03d}.pdf"
    if scanned(index):
        image = scan_image([f"Registre {word}", "Commune de Quimper"], font_size=22, seed=index)
        save_image_pdf(path, [image])
    else:
        lines = [f"Délibération {word}", *french_paragraphs(2, seed=index)]
        born_digital_pdf(path, [lines])
    return Upload(index, word, path.name, path.read_bytes())


def upload_all(
    balancer: Balancer, uploads: list[Upload], stop: threading.Event, s3_down: threading.Event
) -> None:
    """Send each upload as a client would: again after a 503 (a second later), once only
    when the connection broke after it was sent (a retry could file it twice). The last
    KEPT_FOR_S3 wait for the S3 server's outage, however long the faults before it took."""
    for index, upload in enumerate(uploads):
        if index == len(uploads) - KEPT_FOR_S3:
            while not (s3_down.wait(0.5) or stop.is_set()):
                pass
        if stop.is_set():
            return
        while True:
            files = {"file": (upload.filename, upload.content, "application/pdf")}
            try:
                response = balancer.send("POST", "/api/v1/documents", files=files)
            except AnswerLost:
                upload.outcome = "lost"
                break
            if (response is None or response.status_code == 503) and not stop.is_set():
                time.sleep(1)  # every host refused, or a dependency is down: later
                continue
            if response is not None and response.ok:
                upload.outcome = "accepted"
                upload.document_id = response.json()["id"]
            elif response is None or response.status_code == 503:
                upload.outcome = "refused"
            else:
                upload.outcome = f"answered {response.status_code}"
            break
        time.sleep(PACE)


def search_continually(balancer: Balancer, uploads: list[Upload], stop: threading.Event) -> None:
    rng = random.Random(7)
    while not stop.wait(0.4):
        accepted = [upload for upload in uploads if upload.outcome == "accepted"]
        if accepted:
            with contextlib.suppress(AnswerLost):  # recorded: checked at the end
                balancer.send("GET", "/api/v1/search", params={"q": rng.choice(accepted).word})


def busy_worker(redis: Redis, queue: str, hosts: list[Host]) -> Host | None:
    """A worker host whose process is in the middle of a job: RQ knows the job child of
    each `ged worker` (workers.job_child), whose parent is the host's process."""
    busy = {
        parent_pid(worker.pid)
        for worker in Worker.all(queue=Queue(queue, connection=redis))
        if worker.get_current_job_id()
    }
    return next((host for host in hosts if host.process and host.process.pid in busy), None)


def parent_pid(pid: int) -> int | None:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:  # ended meanwhile
        return None
    return int(stat.rsplit(")", 1)[1].split()[1])  # the name in parentheses may hold spaces


@dataclass
class OwnServices:
    """An S3 server and an OpenSearch cluster of this test's own, which it may stop and
    kill while the run's shared ones serve the other tests; each its own instance of
    scripts/services.py, whose lock would otherwise make one wait for the other."""

    s3: Throwaway
    search: Throwaway
    urls: dict
    bucket: str


@pytest.fixture
def own_services() -> Iterator[OwnServices]:
    slot = int(os.environ.get("TEST_SLOT", "0"))
    offset = PORT_OFFSET + slot
    s3_server = Throwaway(f"multihost-s3-{slot}", offset)
    search = Throwaway(f"multihost-search-{slot}", offset)
    try:
        with ThreadPoolExecutor() as pool:
            started = [pool.submit(s3_server.start, "s3proxy"), pool.submit(search.start, CLUSTER)]
            urls = {key: value for future in started for key, value in future.result().items()}
        with contextlib.contextmanager(s3.run_bucket)(urls, "multihost") as bucket:
            yield OwnServices(s3_server, search, urls, bucket)
            s3_server.start("s3proxy")  # for the bucket's removal, whatever the test left
    finally:
        for instance in (s3_server, search):
            for service in list(instance.started):
                instance.stop(service)


def restart_later(outages: Outages, what: str, down, up, pause: float) -> Future:
    """Take ``what`` down now and bring it up ``pause`` s later, in the background; its
    outage lasts until ``up`` returns (it answers again)."""

    def run() -> None:
        with outages.down(what):
            down()
            time.sleep(pause)
            up()

    pool = ThreadPoolExecutor(1)
    future = pool.submit(run)
    pool.shutdown(wait=False)  # the thread ends with run
    return future


def wait_green(url: str, alias: str) -> None:
    """Until ged's index exists (its first document indexed) and its shard has all its
    copies: the cluster alone is green before ged has made its index."""
    client = make_client([url])
    try:
        wait_until(lambda: client.indices.exists(index=alias), 120, f"the index {alias}")
        client.cluster.health(
            index=alias, wait_for_status="green", timeout="60s", request_timeout=70
        )
    finally:
        client.close()


def inflict_faults(
    outages: Outages,
    webs: list[WebHost],
    workers: list[Host],
    own: OwnServices,
    redis,
    queue,
    alias: str,
) -> None:
    """One web process, one worker in the middle of a job and one OpenSearch node
    SIGKILLed and restarted (the first two in the background), then the S3 server
    stopped for 30 s."""
    time.sleep(3)
    restarts = [restart_later(outages, "web-a", webs[0].kill, webs[0].start, 2)]
    wait_until(lambda: busy_worker(redis, queue, workers), 60, "a worker busy with a job")
    victim = busy_worker(redis, queue, workers)
    assert victim is not None
    restarts.append(restart_later(outages, victim.name, victim.kill, victim.start, 2))
    # Apart from S3's outage, so that a search answered 503 meanwhile shows as one; and
    # once the index has its replica, as a cluster in service has (a node lost sooner
    # takes the only copy of its shards: searches answered 503 then, rightly).
    first, second, _ = own.urls["opensearch_urls"]
    wait_green(first, alias)
    with outages.down("opensearch node 2"):
        services.kill_opensearch_node(second)
        time.sleep(5)
        own.search.start(CLUSTER)
        wait_green(first, alias)
    with outages.down("s3"):
        own.s3.stop("s3proxy")
        time.sleep(30)
        own.s3.start("s3proxy")
    for restart in restarts:
        restart.result()  # and its failure, if it failed


def start_hosts(tmp_path: Path, sections: dict) -> tuple[list[WebHost], list[Host]]:
    secret = os.urandom(32).hex()

    def host_sections(name: str) -> dict:
        # Each host its own copy of the secret, as an operator would deploy it.
        (tmp_path / name).mkdir()
        (tmp_path / name / "secret_key").write_text(secret)
        return {**sections, "web": {"secret_key_file": str(tmp_path / name / "secret_key")}}

    webs = [WebHost.make_web(name, tmp_path, host_sections(name)) for name in ("web-a", "web-b")]
    workers = [
        Host.make(name, tmp_path, host_sections(name), ["worker"])
        for name in ("worker-a", "worker-b")
    ]
    for host in [*webs, *workers]:
        host.start()
    return webs, workers


def api_token(settings: Settings) -> str:
    runtime = build(settings)
    with runtime.unit_of_work() as uow:
        create_user(uow, command_line(), "greffe", "admin", "mot de passe du greffe")
        token = create_token(uow, command_line(), "greffe", "multihost")[1]
        uow.commit()
    runtime.close()
    return token


def test_nothing_is_lost_or_doubled_when_each_part_dies(
    tmp_path, create_postgres_database, migrated_postgres_template, redis_url, own_services
):
    own = own_services
    cluster = own.urls["opensearch_urls"]
    unique = os.urandom(5).hex()
    queue = f"ged-multihost-{unique}"
    sections = {
        "database": {"url": create_postgres_database("multihost", migrated_postgres_template)},
        "opensearch": {"urls": cluster, "index_prefix": f"ged-multihost-{unique}"},
        "redis": {"url": redis_url, "queue": queue},
        "storage": s3.storage_section(own.urls, own.bucket),
        # A worker's lost job is found within seconds, not the minute of production.
        "pipeline": {"stale_seconds": 6, "recovery_seconds": 2},
        "ocr": {"processes": 1},
        "logging": {"level": "WARNING"},
    }
    samples = tmp_path / "samples"
    samples.mkdir()
    words = unique_words(MAX_UPLOADS)
    uploads = [make_upload(index, word, samples) for index, word in enumerate(words)]
    redis = Redis.from_url(redis_url)
    outages = Outages()
    stop = threading.Event()
    webs: list[WebHost] = []
    workers: list[Host] = []
    try:
        webs, workers = start_hosts(tmp_path, sections)
        settings = load_settings(webs[0].config, environ={})
        balancer = Balancer([web.url for web in webs], api_token(settings))
        started = time.monotonic()
        load = [
            threading.Thread(
                target=upload_all,
                args=(balancer, uploads[first::CLIENTS], stop, outages.begun("s3")),
            )
            for first in range(CLIENTS)
        ]
        load.append(threading.Thread(target=search_continually, args=(balancer, uploads, stop)))
        for thread in load:
            thread.start()
        alias = alias_name(sections["opensearch"]["index_prefix"])
        inflict_faults(outages, webs, workers, own, redis, queue, alias)
        time.sleep(3)
        stop.set()
        for thread in load:
            thread.join(timeout=120)
        faults_done = time.monotonic()
        check_every_upload_done_intact_and_searchable(balancer, uploads, settings)
        settled = time.monotonic()
    finally:
        stop.set()
        for host in [*webs, *workers]:
            if host.process and host.process.poll() is None:
                host.kill()
        redis.close()
        client = make_client(cluster)
        client.indices.delete(index=f"{sections['opensearch']['index_prefix']}-*")
        client.close()

    statuses = Counter(exchange.status for exchange in balancer.exchanges)
    windows = {
        what: [(round(begin - started), round(end - started)) for begin, end in spans]
        for what, spans in outages.windows.items()
    }
    print(
        f"\n{Counter(upload.outcome for upload in uploads)}; answers {dict(statuses)}; "
        f"outages (s from the start) {windows}; load and faults {faults_done - started:.0f} s, "
        f"every version done {settled - faults_done:.0f} s later"
    )
    try:
        check_the_answers(balancer, outages)
    except AssertionError:
        for web in webs:  # how the web hosts met the cluster: their search client's warnings
            lines = web.log.read_text(errors="replace").splitlines()
            print(
                f"--- {web.name}:",
                *[line for line in lines if "opensearch" in line][-40:],
                sep="\n",
            )
        raise


def check_every_upload_done_intact_and_searchable(
    balancer: Balancer, uploads: list[Upload], settings: Settings
) -> None:
    outcomes = {upload.outcome for upload in uploads} - {"", "accepted", "lost", "refused"}
    assert not outcomes, f"uploads refused with a 4xx: {outcomes}"
    accepted = [upload for upload in uploads if upload.outcome == "accepted"]
    counts = Counter(upload.outcome for upload in uploads)
    assert len(accepted) >= MIN_ACCEPTED, f"too few uploads went through to prove much: {counts}"
    engine = make_engine(settings.database)
    sessions = make_session_factory(engine)

    def unfinished() -> list[tuple]:
        with sessions() as session:
            columns = (Version.id, Version.filename, Version.status, Version.step, Version.attempts)
            rows = session.execute(select(*columns).where(Version.status != "done"))
            return [tuple(row) for row in rows]

    try:
        # Every version, those of lost answers too: none may stay behind.
        deadline = time.monotonic() + SETTLE_SECONDS
        while (left := unfinished()) and time.monotonic() < deadline:
            time.sleep(1)
        assert not left, (
            f"not done {SETTLE_SECONDS} s on (id, file, status, step, attempts): {left}"
        )
        with sessions() as session:
            filed = dict(
                session.execute(
                    select(Version.filename, func.count()).group_by(Version.filename)
                ).all()
            )
    finally:
        engine.dispose()
    for upload in uploads:
        expected = {"accepted": {1}, "lost": {0, 1}}.get(upload.outcome, {0})
        assert filed.get(upload.filename, 0) in expected, (upload.filename, upload.outcome)
    assert len(filed) == len([u for u in uploads if filed.get(u.filename)])

    for upload in accepted:
        path = f"/api/v1/documents/{upload.document_id}/content"
        response = balancer.send("GET", path)
        assert response is not None and response.status_code == 200, upload.filename
        assert hashlib.sha256(response.content).hexdigest() == upload.sha256, upload.filename
        response = balancer.send("GET", "/api/v1/search", params={"q": upload.word})
        assert response is not None and response.status_code == 200, upload.word
        hits = [hit["id"] for hit in response.json()["hits"]]
        if upload.scanned:  # OCR may misread a letter: then found by a fuzzy match
            assert upload.document_id in hits, (upload.word, upload.filename, hits)
        else:  # found by the word (first), and by fuzzy matches of it if any
            assert hits[:1] == [upload.document_id], (upload.word, upload.filename, hits)


def check_the_answers(balancer: Balancer, outages: Outages) -> None:
    """No 5xx but a 503 while S3 was down; no connection broken but web-a's while it was."""
    uploads_during = [
        exchange
        for exchange in balancer.exchanges
        if exchange.method == "POST" and outages.overlaps("s3", exchange.started, exchange.ended)
    ]
    assert uploads_during, "no upload met the S3 server's outage: the load ended too soon"
    searches_during = [
        exchange
        for exchange in balancer.exchanges
        if exchange.path == "/api/v1/search"
        and outages.overlaps("opensearch node 2", exchange.started, exchange.ended)
    ]
    assert searches_during, "no search met the OpenSearch node's loss"
    for exchange in balancer.exchanges:
        during = (exchange.started, exchange.ended)
        if exchange.status is None:
            assert outages.overlaps("web-a", *during), exchange
        elif exchange.status >= 500:
            assert exchange.status == 503 and outages.overlaps("s3", *during), exchange
