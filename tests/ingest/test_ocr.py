"""OCR with the real tesseract on generated scans, and the page processes that run it.

Scans are small (A4 at 150 dpi, large type) so that the whole file stays well
under a minute on two cores.
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from PIL import Image
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from ingest.ocr import to_ocr_mode, words_to_text
from ingest.pages import Stopped
from ingest.processes import run_isolated
from ingest.text import extract
from tests.ingest import samples
from tests.ingest.samples import DISTINCTIVE_WORDS

# Real OCR: tesseract runs on every page here, which takes its time.
pytestmark = pytest.mark.services

DPI = 150


def scan(word: str, rotation: int = 0, seed: int = 0) -> Image.Image:
    """A page whose title holds "Délibération" and a word found nowhere else."""
    lines = samples.page_lines(f"{DISTINCTIVE_WORDS[0]} {word}", seed=seed)
    return samples.scan_image(lines, dpi=DPI, rotation=rotation, seed=seed)


@pytest.mark.parametrize(("rotation", "fmt"), [(90, "PNG"), (180, "JPEG")])
def test_a_noisy_scan_turned_sideways_or_upside_down_is_read(
    tmp_path: Path, rotation: int, fmt: str
) -> None:
    path = tmp_path / f"scan.{fmt.lower()}"
    scan(DISTINCTIVE_WORDS[1], rotation, seed=rotation).save(path, fmt)
    result = extract(path, f"image/{fmt.lower()}")
    (page,) = result.pages
    assert (result.status, page.source) == ("done", "ocr")
    assert f"{DISTINCTIVE_WORDS[0]} {DISTINCTIVE_WORDS[1]}" in page.text
    assert page.confidence > 80


def test_a_multi_page_tiff_is_read_page_by_page(tmp_path: Path) -> None:
    words = DISTINCTIVE_WORDS[1:4]
    tiff = samples.save_tiff(tmp_path / "lot.tif", [scan(w, seed=i) for i, w in enumerate(words)])
    result = extract(tiff, "image/tiff")
    assert (result.status, result.page_count, result.ocr.pages) == ("done", 3, 3)
    for page, word in zip(result.pages, words, strict=True):
        assert page.source == "ocr"
        assert word in page.text
        assert {w for w in words if w in page.text} == {word}


def test_an_image_only_pdf_is_rasterised_and_read(tmp_path: Path) -> None:
    pdf = samples.save_image_pdf(
        tmp_path / "scan.pdf", [scan(DISTINCTIVE_WORDS[1], 180, seed=3), scan("Annexe", seed=4)]
    )
    result = extract(pdf, "application/pdf", dpi=DPI, processes=2)
    assert [page.source for page in result.pages] == ["ocr", "ocr"]
    assert DISTINCTIVE_WORDS[1] in result.pages[0].text
    assert "Annexe" in result.pages[1].text
    assert result.ocr.pages == 2 and result.ocr.tesseract_cpu > 0


def test_a_scanner_header_over_a_scan_does_not_stop_ocr(tmp_path: Path) -> None:
    image = tmp_path / "page.png"
    scan(DISTINCTIVE_WORDS[2], seed=5).save(image)
    pdf = tmp_path / "scan.pdf"
    canvas = Canvas(str(pdf), pagesize=A4)
    canvas.drawImage(str(image), 0, 0, width=A4[0], height=A4[1])
    canvas.setFont("Helvetica", 6)
    canvas.drawString(10, A4[1] - 10, "Numérisé par RICOH MP C3004 le 12/03/2024")
    canvas.showPage()
    canvas.save()
    result = extract(pdf, "application/pdf", dpi=DPI)
    assert result.pages[0].source == "ocr"
    assert DISTINCTIVE_WORDS[2] in result.pages[0].text


def test_a_page_over_its_time_is_stopped_with_a_reason(tmp_path: Path) -> None:
    path = tmp_path / "scan.png"
    scan(DISTINCTIVE_WORDS[1]).save(path)
    started = time.monotonic()
    result = extract(path, "image/png", page_timeout=0.2)
    assert time.monotonic() - started < 5
    assert (result.status, result.error) == ("failed", "OCR stopped after 0.2 s")


def test_16_bit_scans_are_scaled_to_8_bits_not_clipped() -> None:
    image = Image.new("I;16", (4, 1))
    image.putdata([0, 20_000, 40_000, 65_535])
    assert list(to_ocr_mode(image).tobytes()) == [0, 77, 155, 255]


def test_transparent_areas_become_white_paper() -> None:
    assert to_ocr_mode(Image.new("RGBA", (2, 2), (0, 0, 0, 0))).getpixel((0, 0)) == 255


def test_words_make_lines_and_paragraphs_with_their_mean_confidence() -> None:
    data = {
        "text": ["", "Arrêté", "du", "maire", "", "Article", "1"],
        "conf": [-1, 90, 80, 70, -1, 96, 64],
        "block_num": [1, 1, 1, 1, 1, 1, 1],
        "par_num": [1, 1, 1, 1, 2, 2, 2],
        "line_num": [1, 1, 1, 2, 1, 1, 1],
    }
    assert words_to_text(data) == ("Arrêté du\nmaire\n\nArticle 1", 80.0)
    assert words_to_text({key: [] for key in data}) == ("", None)


# ---------------------------------------------------------------- page processes


def test_pages_run_side_by_side_in_separate_processes(tmp_path: Path) -> None:
    def page(_workdir: Path) -> tuple[int, int]:
        # Each page says it has started, then waits for a second one to start too: pages
        # run one after the other would each wait in vain (and see only themselves).
        (tmp_path / str(os.getpid())).touch()
        deadline = time.monotonic() + 5
        while len(list(tmp_path.iterdir())) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)
        return os.getpid(), len(list(tmp_path.iterdir()))

    results = run_isolated([page] * 4, processes=2, timeout=10)
    assert all(seen >= 2 for _, seen in results), results
    pids = {pid for pid, _ in results}
    assert len(pids) == 4 and os.getpid() not in pids


def test_page_processes_run_tesseract_on_one_core_with_their_own_temp_dir() -> None:
    def settings(workdir: Path) -> tuple[str | None, bool]:
        return os.environ.get("OMP_THREAD_LIMIT"), tempfile.gettempdir() == str(workdir)

    before = os.environ.get("OMP_THREAD_LIMIT"), tempfile.gettempdir()
    assert run_isolated([settings], processes=1, timeout=10) == [("1", True)]
    assert (os.environ.get("OMP_THREAD_LIMIT"), tempfile.gettempdir()) == before  # the caller's


def test_a_crashing_page_is_reported_and_the_others_still_read() -> None:
    def crash(_workdir: Path) -> str:
        os.kill(os.getpid(), signal.SIGSEGV)
        return "unreachable"

    results = run_isolated([lambda _: "one", crash, lambda _: "three"], processes=2, timeout=10)
    assert results == ["one", Stopped("the process reading it died (SIGSEGV)"), "three"]


def test_an_error_in_a_page_process_comes_back_as_text() -> None:
    def fail(_workdir: Path) -> None:
        raise ValueError("odd page")

    assert run_isolated([fail], processes=1, timeout=10) == [Stopped("ValueError: odd page")]


def test_a_page_over_its_time_is_killed_with_what_it_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "grandchild"

    def hang(_workdir: Path) -> None:
        grandchild = subprocess.Popen(["sleep", "60"])  # stands for a tesseract run
        pid_file.write_text(str(grandchild.pid))
        time.sleep(60)

    started = time.monotonic()
    assert run_isolated([hang], processes=1, timeout=0.5) == [
        Stopped("took too long and was stopped")
    ]
    assert time.monotonic() - started < 5
    assert not is_alive(int(pid_file.read_text()))


def is_alive(pid: int) -> bool:
    """Running, as opposed to gone or a zombie left for whatever reaps orphans here."""
    time.sleep(0.1)  # SIGKILL is delivered asynchronously
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


def test_scratch_directories_are_removed_whatever_the_ending(tmp_path: Path) -> None:
    record = tmp_path / "workdirs"

    def leave_a_page_image(workdir: Path, then_crash: bool) -> None:
        (workdir / "page.bmp").write_bytes(b"BM")
        with record.open("a") as file:
            file.write(f"{workdir}\n")
        if then_crash:
            os.kill(os.getpid(), signal.SIGKILL)

    run_isolated(
        [lambda w: leave_a_page_image(w, False), lambda w: leave_a_page_image(w, True)],
        processes=2,
        timeout=10,
    )
    workdirs = [Path(line) for line in record.read_text().splitlines()]
    assert len(workdirs) == 2 and not any(workdir.exists() for workdir in workdirs)
