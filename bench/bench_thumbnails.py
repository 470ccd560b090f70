"""How long the search page with twenty thumbnails takes to load, cold, in Chromium.

Starts a scratch ged (``ged serve`` and ``ged worker`` on the test OpenSearch and Redis,
SQLite, its own files), uploads the twenty documents of the browser test
(tests/ui/pictures.py), then loads the results page LOADS times, each in a fresh browser
profile (no cached image) with every hit in view. Prints, per load and as medians, the
time to the page's HTML (the baseline, measured in the same loads) and to the last
thumbnail, and their ratio: what the twenty thumbnails add to the page.

The issue that added thumbnails set 300 ms for the whole page on this machine.

Usage: .venv/bin/python bench/bench_thumbnails.py [--loads 9]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # the tests' helpers are not an installed package

from ged.audit.seal import generate_key  # noqa: E402
from tests import services  # noqa: E402
from tests.apiclient import seed_accounts  # noqa: E402
from tests.conftest import isolated_settings  # noqa: E402
from tests.migrated import migrate  # noqa: E402
from tests.processes import kill_group, serving, start_worker  # noqa: E402
from tests.ui.conftest import CHROMIUM, CHROMIUM_ARGS  # noqa: E402
from tests.ui.pictures import DOCUMENTS, cold_load, upload_pictured  # noqa: E402
from tests.ui.test_browser import log_in  # noqa: E402


def measure(base_url: str, loads: int) -> list[dict]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        timings = []
        for _ in range(loads):
            load = cold_load(browser, base_url, log_in)
            load.pop("page").context.close()
            if load["images"] != DOCUMENTS:
                raise SystemExit(f"{load['images']} thumbnails loaded instead of {DOCUMENTS}")
            timings.append(load)
        browser.close()
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--loads", type=int, default=9, help="cold loads measured")
    args = parser.parse_args()
    urls = services.ensure("opensearch", "redis")
    with tempfile.TemporaryDirectory(prefix="ged-bench-thumbnails-") as scratch:
        directory = Path(scratch)
        settings = isolated_settings(directory, urls, urls["redis_url"])
        migrate(settings.database.url)
        generate_key(settings.audit.key_file)
        seed_accounts(settings)
        worker = start_worker(settings)
        try:
            with serving(settings, directory / "serve.log") as url:
                (directory / "pdf").mkdir()
                upload_pictured(settings, directory / "pdf")
                timings = measure(url, args.loads)
        finally:
            kill_group(worker)
    for n, load in enumerate(timings, 1):
        print(
            f"load {n}: page {load['document']:6.1f} ms, with thumbnails {load['all_loaded']:6.1f} ms"
        )
    page = statistics.median(load["document"] for load in timings)
    whole = statistics.median(load["all_loaded"] for load in timings)
    print(f"median of {len(timings)} cold loads: page (baseline) {page:.1f} ms,")
    print(f"  page and {DOCUMENTS} thumbnails {whole:.1f} ms, ratio {whole / page:.2f}")


if __name__ == "__main__":
    main()
