"""Issue 19's walk in a real browser against a running ged, its worker and a ``ged watch``
on a scanner's folder that splits at separator sheets: a batch of three letters dropped in
the folder becomes three documents, an agent turns the second page of one of them and moves
it first (a new version whose text is carried over, not read again) and finds that page's
word on the new first page."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image

from ged.config import Settings, WatchedFolder, WatchSettings
from ingest.sheets import Sheet, sheet_pdf
from tests.ingest.batches import (
    PREFIX,
    SEPARATOR,
    letter_pages,
    rasterised,
    save_batch,
    scanned,
)
from tests.processes import ged_environment, kill_group, wait_until
from tests.ui.conftest import SCREENSHOTS
from tests.ui.test_browser import log_in, serious_violations
from tests.ui.test_daily_screen import until

#: written on the second page of the second letter, that the agent turns and searches
WORD = "Landivisiennes"


@pytest.fixture(scope="module")
def live_settings(live_settings: Settings, tmp_path_factory) -> Settings:
    """The module's live ged, with a scanner's folder whose files are split as batches."""
    folder = WatchedFolder(
        path=tmp_path_factory.mktemp("scanner"),
        station="station",
        unit="Urbanisme",
        split="separators",
        stability_seconds=0.5,
        poll_seconds=0.5,
    )
    return live_settings.model_copy(update={"watch": WatchSettings(folders=(folder,))})


@pytest.fixture(scope="module")
def inbox(live_ged, tmp_path_factory) -> Iterator[Path]:
    """The scanner's folder, with a real ``ged watch`` on it."""
    settings = live_ged.settings
    folders = [folder.model_dump(mode="json") for folder in settings.watch.folders]
    log = tmp_path_factory.getbasetemp() / f"watch-{settings.redis.queue}.log"
    with log.open("a") as output:
        watcher = subprocess.Popen(
            [sys.executable, "-m", "ged", "watch"],
            env=ged_environment(
                settings, GED_WATCH__FOLDERS=json.dumps(folders), GED_LOGGING__LEVEL="INFO"
            ),
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
    try:
        wait_until(lambda: "watching " in log.read_text(), 30, f"ged watch: {log}")
        yield settings.watch.folders[0].path
    finally:
        kill_group(watcher)


def three_letters() -> list[Image.Image]:
    """Seven scanned pages: each letter after a separator sheet, the second sheet fed upside
    down and the third skewed; the second letter has two pages, WORD only on its second."""
    rng = random.Random(19)
    sheet = rasterised(sheet_pdf([Sheet()], SEPARATOR, PREFIX))[0]
    letters = [["Kerlouan"], ["Goulven", WORD], ["Plouguerneau"]]
    feeds = ["upright", "upside_down", "skewed"]
    pages = []
    for index, (markers, feed) in enumerate(zip(letters, feeds, strict=True)):
        pages.append(scanned(sheet, feed, rng))
        for number, marker in enumerate(markers):
            pages.append(scanned(letter_pages(1, index * 10 + number, marker)[0], "upright", rng))
    return pages


def step(page, number: int, name: str) -> None:
    assert serious_violations(page) == [], name
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / f"intake-{number:02d}-{name}.png", full_page=True)


def test_a_dropped_batch_is_split_a_page_of_one_part_turned_and_its_word_found(page, inbox):
    save_batch(three_letters(), inbox / "lot-du-matin.pdf")
    log_in(page)
    page.wait_for_url("**/recherche")

    # 1. The batch split: the second letter found by its word on its page 2, from the batch.
    hits = page.locator(".hit")
    on_page = page.locator(".hit .page-number")
    until(page, f"/recherche?q={WORD}", lambda: hits.count() == 1, "the batch to be split")
    assert on_page.all_inner_texts() == ["p. 2"]
    step(page, 1, "part-found")
    hits.first.locator("h3 a").click()
    page.wait_for_url(re.compile(r"/documents/\d+"))
    document_url = page.url.split("?")[0].split("#")[0]
    origin = page.locator(".origin").inner_text()
    assert re.search(r"Issu du lot numérisé n° \d+, pages 4 à 5 du lot\.", origin), origin
    step(page, 2, "part-page")

    # 2. Its second page turned a quarter and moved first: version 2, the text carried over.
    page.get_by_role("link", name="Pages : tourner, réordonner, supprimer, extraire").click()
    page.locator("#rotation-2").select_option(label="Un quart de tour à droite")
    page.locator("#position-2").fill("1")
    page.locator("#position-1").fill("2")
    step(page, 3, "pages-form")
    page.get_by_role("button", name="Enregistrer comme nouvelle version").click()
    page.wait_for_url(document_url)
    assert (
        "Version 2 enregistrée : page 2 tournée de 90° ; pages remises dans l'ordre 2, 1."
        in page.locator(".flash").inner_text()
    )

    # 3. Found by its word on page 1 of the new version.
    on_first_page = lambda: on_page.all_inner_texts() == ["p. 1"]  # noqa: E731
    until(page, f"/recherche?q={WORD}", on_first_page, "version 2 to be indexed")
    step(page, 4, "found-on-page-1")
