"""A real ged for the browser tests: `ged serve` and `ged worker` processes on this module's
own data, seeded with a few documents, and headless Chromium (Debian's) driven by Playwright."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path

import pytest

from ged.audit.seal import generate_key
from ged.config import Settings
from ged.db import make_engine, make_session_factory
from ged.models import Document
from ged.web import create_app
from tests.apiclient import seed_accounts
from tests.ingest.samples import born_digital_pdf, page_lines
from tests.migrated import migrate
from tests.processes import kill_group, serving, start_worker, wait_until

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: where the run leaves screenshots of the main pages, for people to look at
SCREENSHOTS = Path(__file__).resolve().parents[2] / "var" / "test" / "ui-screenshots"
#: a word no generated text contains, so searching it finds exactly the seeded documents
WORD = "Kerfeunteuniennes"


@dataclass
class LiveGed:
    url: str
    settings: Settings
    #: seeded document ids by role in the tests
    documents: dict[str, int]

    def set_needs_review(self, document_id: int) -> None:
        engine = make_engine(self.settings.database)
        with make_session_factory(engine)() as session:
            session.get(Document, document_id).needs_review = True
            session.commit()
        engine.dispose()


def pdf_bytes(directory: Path, name: str, title: str, seed: int) -> bytes:
    return born_digital_pdf(directory / name, [page_lines(title, seed=seed)]).read_bytes()


@pytest.fixture(scope="module")
def live_ged(live_settings: Settings, tmp_path_factory) -> Iterator[LiveGed]:
    migrate(live_settings.database.url)
    # Disposal certificates are signed with the audit key: the visa needs it to exist.
    generate_key(live_settings.audit.key_file)
    tokens = seed_accounts(live_settings)
    # The server's own log, kept beside its data: the first place to look when a page fails.
    log = tmp_path_factory.getbasetemp() / f"serve-{live_settings.redis.queue}.log"
    worker = start_worker(live_settings)
    try:
        with serving(live_settings, log) as url:
            pdfs = tmp_path_factory.mktemp("pdf")
            documents = _seed_documents(live_settings, tokens["agent"], pdfs)
            yield LiveGed(url, live_settings, documents)
    finally:
        kill_group(worker)


def _seed_documents(settings: Settings, token: str, directory: Path) -> dict[str, int]:
    """Filed through the API (in this process, on the same database and queue), then
    processed by the live worker until they are searchable."""
    app = create_app(settings)
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    wanted = {
        "arrete": ("Arrêté de circulation", "arrete", 1),
        "facture": ("Facture de voirie", "facture", 2),
        "edit": ("Courrier à corriger", "courrier", 3),
        "review": ("Note à classer", "courrier", 4),
    }
    documents = {}
    for key, (title, kind, seed) in wanted.items():
        content = pdf_bytes(directory, f"{key}.pdf", f"{title} {WORD}", seed)
        data = {
            "file": (BytesIO(content), f"{key}.pdf"),
            "title": title,
            "document_type": kind,
            "unit": "Urbanisme",
        }
        response = client.post("/api/v1/documents", data=data, headers=headers, buffered=True)
        assert response.status_code == 202, response.json
        documents[key] = response.json["id"]

    def searchable() -> bool:
        response = client.get(f"/api/v1/search?q={WORD}", headers=headers)
        # 503 while the index the worker has just created has no shard ready yet.
        return response.status_code == 200 and response.json["total"] == len(documents)

    wait_until(searchable, 120, "the seeded documents to be indexed", every=0.5)
    app.extensions["ged"].close()
    return documents


@pytest.fixture(scope="module")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(chromium, live_ged):
    """A fresh browser profile (no cookies) on the live server, in French by default."""
    context = chromium.new_context(
        base_url=live_ged.url, locale="fr-FR", viewport={"width": 1280, "height": 900}
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    yield page
    context.close()
