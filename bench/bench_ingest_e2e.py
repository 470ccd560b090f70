"""Ingest end to end, through a running ged's API, next to raw tesseract in the same run.

1. Starts ``ged up`` (command one's process: web server and workers as its defaults size
   them) on a scratch directory (SQLite, local blob store) with the test OpenSearch and
   Redis, and an administrator's API token made beforehand.
2. Scans: N A4 pages of French prose at 300 dpi (bench_ingest.py's), uploaded as N
   one-page PDFs, then as one N-page PDF; each timed from the first upload to the last
   document ``done`` (which means searchable).
3. The baseline, measured just before: the tesseract command line on the same page
   images, as many single-threaded processes at once as there are cores, same languages.
4. ged's CPU outside tesseract per page: the CPU of ged up's whole process tree during a
   run, less what tesseract took for the same pages in the baseline (the same images and
   languages: an estimate, as ged's tesseract runs inside its page processes).
5. Born-digital: M text PDFs, from the first upload until a search finds them all.

ged runs with a classifier model trained beforehand (``ged classifier train``'s model, on
generated documents of every type), as an administration that has trained its own does:
each job classifies with it, so what loading it costs the workers shows.

Usage: .venv/bin/python bench/bench_ingest_e2e.py [--pages 8] [--born-digital 100]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' helpers are not an installed package

from bench_ingest import image_pdf, scanned_pages  # noqa: E402

from ged.access import command_line  # noqa: E402
from ged.bootstrap import build  # noqa: E402
from ged.services.tokens import create_token  # noqa: E402
from ged.services.users import create_user  # noqa: E402
from ingest.classify import save_model, train_model  # noqa: E402
from tests import services  # noqa: E402
from tests.conftest import isolated_settings  # noqa: E402
from tests.ingest.corpus_generator import TYPES, generate  # noqa: E402
from tests.ingest.samples import born_digital_pdf, page_lines  # noqa: E402
from tests.migrated import migrate  # noqa: E402
from tests.processes import free_port, ged_environment, kill_group, spawn_ged, wait_until  # noqa: E402

LANGUAGES = "fra+eng"
#: a word no generated text holds: a search for it finds exactly the born-digital PDFs
WORD = "Quimperlois"
TICKS = os.sysconf("SC_CLK_TCK")


def raw_tesseract(pages: list[Path]) -> tuple[float, float]:
    """Seconds and CPU seconds of tesseract on the pages, one process per core at a time."""
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    command = ["tesseract", "{}", "stdout", "-l", LANGUAGES]

    def read(page: Path) -> None:
        argv = [str(page) if part == "{}" else part for part in command]
        subprocess.run(argv, env=environment, capture_output=True, check=True)

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    with ThreadPoolExecutor(os.cpu_count()) as pool:
        list(pool.map(read, pages))
    seconds = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return seconds, cpu


def tree_cpu(root: int) -> float:
    """CPU seconds of a process, its live descendants and every descendant they waited for."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry.name)] = int(fields[1])
    tree, grew = {root}, True
    while grew:
        more = {pid for pid, parent in parents.items() if parent in tree} - tree
        tree |= more
        grew = bool(more)
    total = 0
    for pid in tree:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += sum(int(value) for value in fields[11:15])  # utime stime cutime cstime
    return total / TICKS


class Ged:
    """ged up on a scratch directory, and an API session as its administrator."""

    def __init__(self, directory: Path) -> None:
        urls = services.ensure("opensearch", "redis")
        model = directory / "classifier.joblib"
        self.settings = isolated_settings(
            directory, urls, urls["redis_url"], classification={"model_path": model}
        )
        save_model(
            train_model((generate(kind, n), kind) for kind in TYPES for n in range(5)), model
        )
        migrate(self.settings.database.url)
        runtime = build(self.settings)
        with runtime.unit_of_work() as uow:
            create_user(uow, command_line(), "admin", "admin", "mot de passe du banc d'essai")
            token = create_token(uow, command_line(), "admin", "bench")[1]
        runtime.close()
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.log = directory / "up.log"
        self.process = spawn_ged(
            ["up"],
            ged_environment(
                self.settings, GED_WEB__PORT=str(port), GED_CLASSIFICATION__MODEL_PATH=str(model)
            ),
            self.log,
        )
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"
        wait_until(self._ready, 120, "ged up to be ready")

    def _ready(self) -> bool:
        assert self.process.poll() is None, self.log.read_text()[-2000:]
        try:
            return self.http.get(f"{self.url}/readyz", timeout=2).status_code == 200
        except requests.ConnectionError:
            return False

    def upload(self, path: Path) -> int:
        with path.open("rb") as content:
            answer = self.http.post(
                f"{self.url}/api/v1/documents", files={"file": (path.name, content)}
            )
        answer.raise_for_status()
        return answer.json()["id"]

    def all_done(self, ids: list[int]) -> bool:
        """One request for all (the newest hundred documents), so that polling costs ged little."""
        listed = self.http.get(
            f"{self.url}/api/v1/documents", params={"size": 100, "sort": "updated"}
        )
        status = {document["id"]: document for document in listed.json()["documents"]}
        for document_id in ids:
            document = status.get(document_id, {"status": "pending"})
            if document["status"] == "failed":
                raise SystemExit(f"document {document_id} failed: {document['error']}")
            if document["status"] != "done":
                return False
        return True

    def found(self, word: str) -> int:
        return self.http.get(f"{self.url}/api/v1/search", params={"q": word}).json()["total"]

    def stop(self) -> None:
        kill_group(self.process)


def timed(ged: Ged, files: list[Path], finished) -> tuple[float, float]:
    """Seconds and ged's CPU seconds from the first upload until ``finished(ids)``."""
    cpu_before, started = tree_cpu(ged.process.pid), time.perf_counter()
    ids = [ged.upload(path) for path in files]
    wait_until(lambda: finished(ids), 1800, "the uploads to be processed", every=0.25)
    return time.perf_counter() - started, tree_cpu(ged.process.pid) - cpu_before


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=8, help="scanned pages")
    parser.add_argument("--born-digital", type=int, default=100, help="text PDFs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ged-bench-e2e-") as scratch:
        directory = Path(scratch)
        pages = scanned_pages(directory / "pages", args.pages, (0,))
        singles = [
            image_pdf(directory / f"scan-{n:03}.pdf", [page]) for n, page in enumerate(pages)
        ]
        whole = image_pdf(directory / "scans.pdf", pages)
        texts = [
            born_digital_pdf(directory / f"text-{n:03}.pdf", [page_lines(f"Arrêté {n} {WORD}", n)])
            for n in range(args.born_digital)
        ]
        raw_seconds, raw_cpu = raw_tesseract(pages)
        ged = Ged(directory / "ged")
        try:
            runs = {
                "one-page PDFs": timed(ged, singles, ged.all_done),
                f"one {args.pages}-page PDF": timed(ged, [whole], ged.all_done),
            }
            born = timed(ged, texts, lambda _ids: ged.found(WORD) == args.born_digital)
        finally:
            ged.stop()
    cores = os.cpu_count()
    print(f"{args.pages} scanned A4 pages at 300 dpi, {LANGUAGES}, {cores} cores")
    raw_rate = args.pages / raw_seconds
    print(f"  raw tesseract, {cores} processes: {raw_rate:6.2f} pages/s (CPU {raw_cpu:.1f} s)")
    for label, (seconds, cpu) in runs.items():
        outside = max(cpu - raw_cpu, 0.0)
        print(
            f"  ged, {label:18s} {args.pages / seconds:6.2f} pages/s "
            f"= {args.pages / seconds / raw_rate:.2f}x raw; CPU outside tesseract "
            f"{outside / args.pages:.2f} s/page = {outside / raw_cpu:.0%} of tesseract's"
        )
    seconds, cpu = born
    print(
        f"{args.born_digital} born-digital PDFs, upload to searchable: "
        f"{args.born_digital / seconds:.1f} pages/s ({seconds:.1f} s, ged CPU {cpu:.1f} s)"
    )


if __name__ == "__main__":
    main()
