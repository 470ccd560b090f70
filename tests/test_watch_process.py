"""Watched folders end to end: a real ``ged watch`` process, a real folder, SQLite, the blob
store and Redis. Small stability and poll delays (0.5 s) keep the suite quick."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from redis import Redis
from rq import Queue
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from ged.bootstrap import build
from ged.cli import cli
from ged.config import Settings
from ged.db import make_engine, make_session_factory
from ged.models import Document, Grant, Group, Unit, User, Version
from ged.services.drops import folder_problem
from tests.migrated import migrate
from tests.processes import free_port, kill_group, spawn_ged
from workers.counters import RedisWatchCounters

STATION = "scanner"


def pdf(label: object) -> bytes:
    return f"%PDF-1.4\n% drop {label}\n%%EOF\n".encode()


def sha256(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def read_counters(settings: Settings) -> dict[str, dict[str, int]]:
    """The totals the web process reads, as it reads them."""
    counters = RedisWatchCounters(settings)
    try:
        return counters.read(settings.watch.folders)
    finally:
        counters.close()


def wait_for(condition: Callable[[], object], what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


@dataclass
class Filed:
    id: int
    filename: str
    sha256: str
    document_type: str | None
    unit: str | None
    tags: set[str]
    created_by: str


@dataclass
class Station:
    """A migrated database with the station account, a watched folder, and the ``ged watch``
    processes started on them (killed at the end of the test)."""

    settings: Settings
    inbox: Path
    log: Path
    processes: list[subprocess.Popen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.engine = make_engine(self.settings.database)

    def environment(self) -> dict[str, str]:
        env = {key: value for key, value in os.environ.items() if not key.startswith("GED_")}
        folder = self.settings.watch.folders[0].model_dump(mode="json")
        env.update(
            GED_DATABASE__URL=self.settings.database.url,
            GED_STORAGE__PATH=str(self.settings.storage.path),
            GED_REDIS__URL=self.settings.redis.url,
            GED_REDIS__QUEUE=self.settings.redis.queue,
            GED_WATCH__FOLDERS=json.dumps([folder]),
        )
        return env

    def start(self, command: str = "watch", **env: str) -> subprocess.Popen:
        # its own process group: killed whole at the end, `ged up`'s children too
        process = spawn_ged([command], {**self.environment(), **env}, self.log)
        self.processes.append(process)
        return process

    def started(self) -> subprocess.Popen:
        process = self.start()
        wait_for(lambda: "watching " in self.log_text() or process.poll() is not None, "start")
        assert process.poll() is None, self.log_text()
        return process

    def wait_for(self, condition: Callable[[], object], what: str, timeout: float = 30) -> None:
        """Like wait_for, but fails at once, with the log, if the watcher died."""

        def done() -> object:
            assert self.processes[-1].poll() is None, self.log_text()
            return condition()

        wait_for(done, what, timeout)

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def session(self) -> Session:
        return make_session_factory(self.engine)()

    def documents(self) -> list[Filed]:
        with self.session() as session:
            rows = session.execute(
                select(Document, Version)
                .join(Version, Version.document_id == Document.id)
                .order_by(Document.id)
            )
            return [
                Filed(
                    document.id,
                    version.filename,
                    version.blob_sha256,
                    document.document_type.code if document.document_type else None,
                    document.unit.name if document.unit else None,
                    {tag.name for tag in document.tags},
                    session.get(User, document.created_by_id).username,
                )
                for document, version in rows
            ]

    def count(self) -> int:
        with self.engine.connect() as connection:
            return connection.scalar(select(func.count()).select_from(Document))

    def files(self, under: str) -> list[Path]:
        return sorted(path for path in (self.inbox / under).rglob("*") if path.is_file())

    def waiting(self) -> list[Path]:
        """Files not settled yet: in the folder, its sub-folders or .processing/."""
        settled = ("done", "failed")
        return [
            path
            for path in self.inbox.rglob("*")
            if path.is_file() and path.relative_to(self.inbox).parts[0] not in settled
        ]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                process.wait(timeout=20)


@pytest.fixture
def make_station(make_settings, tmp_path: Path) -> Iterator[Callable[..., Station]]:
    stations: list[Station] = []

    def build(create_inbox: bool = True, **overrides: object) -> Station:
        inbox = tmp_path / "scans"
        if create_inbox:
            inbox.mkdir()
        folder = {
            "path": str(inbox),
            "station": STATION,
            "stability_seconds": 0.5,
            "poll_seconds": 0.5,
            **overrides,
        }
        settings = make_settings(watch={"folders": json.dumps([folder])})
        migrate(settings.database.url)
        station = Station(settings, inbox, tmp_path / "watch.log")
        stations.append(station)
        with station.session() as session:
            # A station account signs in with tokens only: no password.
            session.add(User(username=STATION, role="station", password_hash=None))
            session.commit()
        return station

    yield build
    for station in stations:
        station.engine.dispose()
        for process in station.processes:
            kill_group(process)


def test_files_present_before_start_are_filed_with_the_folder_and_subfolder_defaults(
    make_station,
):
    station = make_station(
        unit="Courrier",
        document_type="courrier",
        group="accueil",
        group_permission="write",
        tags=["entrant"],
        subfolders={"factures": "type:facture", "urgent": "urgent"},
    )
    with station.session() as session:
        scanner = session.scalars(select(User).where(User.username == STATION)).one()
        unit, group = Unit(name="Courrier"), Group(name="accueil")
        session.add_all([unit, group])
        session.flush()
        session.add(Grant(permission="write", user_id=scanner.id, unit_id=unit.id))
        session.commit()
    for name in ("factures", "urgent"):
        (station.inbox / name).mkdir()
    (station.inbox / "lettre.pdf").write_bytes(pdf("lettre"))
    (station.inbox / "factures" / "f-2025-001.pdf").write_bytes(pdf("facture"))
    (station.inbox / "urgent" / "recours.pdf").write_bytes(pdf("recours"))

    station.start()
    station.wait_for(lambda: station.count() == 3, "three documents")
    station.wait_for(lambda: len(station.files("done")) == 3, "three files in done/")

    filed = {document.filename: document for document in station.documents()}
    assert {name: (d.document_type, d.tags) for name, d in filed.items()} == {
        "lettre.pdf": ("courrier", {"entrant"}),
        "f-2025-001.pdf": ("facture", {"entrant"}),
        "recours.pdf": ("courrier", {"entrant", "urgent"}),
    }
    assert {(d.unit, d.created_by) for d in filed.values()} == {("Courrier", STATION)}
    with station.session() as session:
        grants = session.scalars(select(Grant).where(Grant.document_id.is_not(None))).all()
        assert sorted((g.group.name, g.permission) for g in grants) == [("accueil", "write")] * 3
    with Redis.from_url(station.settings.redis.url) as connection:
        queued = Queue(station.settings.redis.queue, connection=connection).get_job_ids()
    assert sorted(queued) == ["version-1", "version-2", "version-3"]
    log = station.log_text()
    lettre = filed["lettre.pdf"].id
    assert f"{station.inbox}: lettre.pdf filed as document {lettre} -> done/" in log
    assert "factures/f-2025-001.pdf filed as document" in log


def test_a_file_written_slowly_is_taken_once_after_it_is_complete(make_station):
    station = make_station(stability_seconds=1.0)
    station.started()
    chunks = [pdf(f"chunk {n}") * 200 for n in range(15)]
    target = station.inbox / "long-scan.pdf"
    with target.open("wb", buffering=0) as handle:
        for chunk in chunks:  # 15 chunks, 0.2 s apart: 3 s of writing
            handle.write(chunk)
            time.sleep(0.2)
            assert station.count() == 0, "taken before it was complete"
    content = b"".join(chunks)
    station.wait_for(lambda: station.count() == 1, "the document")
    time.sleep(1.5)  # a second take would come within a stability delay and a poll
    [document] = station.documents()
    assert (document.filename, document.sha256) == ("long-scan.pdf", sha256(content))
    [done] = station.files("done")
    assert done.read_bytes() == content


def test_a_drop_is_taken_on_its_filesystem_event_well_before_the_next_rescan(make_station):
    station = make_station(poll_seconds=60)
    station.started()
    (station.inbox / "now.pdf").write_bytes(pdf("now"))
    started = time.monotonic()
    station.wait_for(lambda: station.count() == 1, "the document", timeout=10)
    assert time.monotonic() - started < 5


def test_a_part_file_is_taken_once_renamed_when_finished(make_station):
    station = make_station()
    station.started()
    part = station.inbox / "scan.pdf.part"
    part.write_bytes(pdf("part"))
    time.sleep(1.5)  # three times the stability delay and the poll
    assert station.count() == 0
    assert part.exists()
    part.rename(station.inbox / "scan.pdf")
    station.wait_for(lambda: station.count() == 1, "the document")
    assert station.documents()[0].filename == "scan.pdf"


def test_two_hundred_files_dropped_at_once_all_become_documents(make_station, tmp_path):
    station = make_station()
    station.started()
    staging = tmp_path / "staging"
    staging.mkdir()
    contents = {f"scan-{n:03}.pdf": pdf(n) for n in range(200)}
    for name, content in contents.items():
        (staging / name).write_bytes(content)
    for name in contents:
        (staging / name).rename(station.inbox / name)

    station.wait_for(lambda: len(station.files("done")) == 200, "200 files in done/", timeout=60)
    documents = station.documents()
    assert len(documents) == 200
    assert {d.sha256 for d in documents} == {sha256(c) for c in contents.values()}
    assert {p.name for p in station.files("done")} == set(contents)
    assert station.waiting() == []
    station.wait_for(
        lambda: read_counters(station.settings)[str(station.inbox)]["filed"] == 200, "counters"
    )
    assert read_counters(station.settings) == {
        str(station.inbox): {
            "taken": 200,
            "filed": 200,
            "duplicate": 0,
            "failed": 0,
            "postponed": 0,
        }
    }


def test_the_same_file_dropped_twice_yields_one_document(make_station):
    station = make_station()
    station.started()
    (station.inbox / "scan.pdf").write_bytes(pdf("once"))
    station.wait_for(lambda: len(station.files("done")) == 1, "the first drop done")
    (station.inbox / "scan.pdf").write_bytes(pdf("once"))
    station.wait_for(lambda: len(station.files("done")) == 3, "the second drop done, with its note")

    [document] = station.documents()
    names = [path.name for path in station.files("done")]
    assert names == ["scan (2).pdf", "scan (2).pdf.duplicate.txt", "scan.pdf"]
    note = station.files("done")[1].read_text()
    assert f"identical, byte for byte, to document {document.id}" in note
    assert f"scan.pdf duplicate of document {document.id}, not filed again" in station.log_text()
    station.wait_for(
        lambda: read_counters(station.settings)[str(station.inbox)]["duplicate"] == 1, "count"
    )


def test_empty_and_misnamed_files_land_in_failed_with_their_reason(make_station):
    station = make_station()
    station.started()
    (station.inbox / "blank.pdf").write_bytes(b"")
    (station.inbox / "bell\x07.pdf").write_bytes(pdf("bell"))
    station.wait_for(
        lambda: len(station.files("failed")) == 4, "two files and two notes in failed/"
    )

    assert station.count() == 0
    blank = (station.inbox / "failed" / "blank.pdf.error.txt").read_text()
    assert "What went wrong: the file is empty" in blank
    assert "scan the paper again" in blank
    bell = (station.inbox / "failed" / "bell\x07.pdf.error.txt").read_text()
    assert "What went wrong: the file name contains control characters" in bell
    log = station.log_text()
    assert "blank.pdf failed: the file is empty -> failed/blank.pdf" in log
    assert "bell\\x07.pdf failed: the file name contains control characters" in log
    station.wait_for(
        lambda: read_counters(station.settings)[str(station.inbox)]["failed"] == 2, "count"
    )


def test_sigkill_in_the_middle_of_a_batch_then_restart_files_each_file_once(make_station, tmp_path):
    station = make_station()
    contents = {f"lot-{n:02}.pdf": pdf(f"lot {n}") for n in range(50)}
    for name, content in contents.items():
        (station.inbox / name).write_bytes(content)

    for at_least in (5, 25):  # killed twice, at different points of the batch
        process = station.start()
        station.wait_for(lambda n=at_least: station.count() >= n, f"{at_least} documents")
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert station.count() < 50, "the batch was over before the kill"
    station.start()
    station.wait_for(lambda: station.count() == 50 and station.waiting() == [], "the whole batch")

    documents = station.documents()
    assert len(documents) == 50
    assert sorted(d.sha256 for d in documents) == sorted(sha256(c) for c in contents.values())
    done = [p for p in station.files("done") if not p.name.endswith(".duplicate.txt")]
    assert sorted(p.name for p in done) == sorted(contents)
    assert list((station.inbox / ".processing").rglob("*")) == []


def test_a_missing_folder_is_reported_at_start_up_and_watched_once_it_exists(make_station):
    station = make_station(create_inbox=False)
    process = station.start()
    problem = f"watched folder {station.inbox}: it does not exist; checking again every 0.5 s"
    station.wait_for(lambda: problem in station.log_text(), "the start-up report")
    assert process.poll() is None
    station.inbox.mkdir()
    (station.inbox / "late.pdf").write_bytes(pdf("late"))
    station.wait_for(lambda: station.count() == 1, "the document")
    station.stop()
    assert process.returncode == 0
    assert station.log_text().count("it does not exist") == 1
    assert "watchdog" not in station.log_text(), "a clean stop logs no error"


@pytest.mark.parametrize(
    ("folder", "problem"),
    [
        ({"station": "ghost"}, "station account 'ghost' does not exist (create it: ged user"),
        ({"unit": "Nowhere"}, "unit 'Nowhere' does not exist"),
        ({"document_type": "parchemin"}, "document type 'parchemin' does not exist"),
        ({"subfolders": {"x": "type:papyrus"}}, "document type 'papyrus' does not exist"),
        ({"group": "nobody"}, "group 'nobody' does not exist"),
    ],
)
def test_start_up_names_the_folder_and_what_its_configuration_lacks(make_station, folder, problem):
    station = make_station(**folder)
    runtime = build(station.settings)
    with runtime.unit_of_work() as uow:
        found = folder_problem(uow, station.settings.watch.folders[0])
    runtime.close()
    assert found is not None
    assert found.startswith(f"watched folder {station.inbox}: {problem}")


def test_watch_without_folders_says_so_and_fails(settings):
    result = CliRunner().invoke(cli, ["watch"], env={"GED_DATABASE__URL": settings.database.url})
    assert result.exit_code == 1
    assert "no watched folder is configured" in result.output


def test_up_starts_the_watcher_when_folders_are_configured(make_station):
    station = make_station()
    settings = station.settings
    env = {
        **station.environment(),
        "GED_WEB__PORT": str(free_port()),
        "GED_WEB__SECRET_KEY_FILE": str(settings.web.secret_key_file),
        "GED_OPENSEARCH__URLS": json.dumps(list(settings.opensearch.urls)),
    }
    process = station.start("up", GED_WORKER__COUNT="1", **env)
    (station.inbox / "via-up.pdf").write_bytes(pdf("up"))
    station.wait_for(lambda: station.count() == 1, "the document filed by ged up's watcher")
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    assert process.returncode == 0, station.log.read_text()
    assert "with 1 worker(s), 1 watched folder(s)." in station.log.read_text()
