"""Pages per second of text extraction: born-digital PDFs, and scans next to raw tesseract.

Usage: .venv/bin/python bench/bench_ingest.py [SCANNED_PAGES]   (default: 10)

Also the cost of a version's thumbnail (ingest.thumbnails) beside the ingest of a scanned
page: for a scan, scaling the raster OCR made anyway and encoding it (what read_page adds
to page 1); for a born-digital PDF, rendering page 1 small in a page process of its own.

Scans are A4 pages of French prose rendered at 300 dpi with specks, saved as an
image-only PDF the way a scanner writes one. The baseline, measured in the same
run, is the tesseract command line in one process on the same page images (PNG),
with OMP_THREAD_LIMIT=1 as ged sets it. CPU time outside tesseract is everything
ged spends besides tesseract's own CPU: the calling process (pypdf, scheduling)
and the page processes (forking, rasterising, writing the image for tesseract).
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.ingest.samples is not an installed package

import pypdfium2 as pdfium  # noqa: E402

from ingest.ocr import encode_picture, render_pdf_page  # noqa: E402
from ingest.pages import Extraction  # noqa: E402
from ingest.processes import default_processes  # noqa: E402
from ingest.text import extract  # noqa: E402
from ingest.thumbnails import THUMBNAIL_WIDTH, render_isolated  # noqa: E402
from tests.ingest import samples  # noqa: E402

BORN_DIGITAL_PAGES = 50
DPI = 300
#: thumbnails made to time one (each takes milliseconds: one alone would time the clock)
THUMBNAILS = 20


@dataclass(frozen=True)
class Run:
    seconds: float
    own_cpu: float
    #: CPU of the processes started and waited for during the run, and of theirs
    children_cpu: float
    value: object


def measure(action: Callable[[], object]) -> Run:
    own, children = resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN
    own_before, children_before = cpu(own), cpu(children)
    started = time.perf_counter()
    value = action()
    return Run(
        time.perf_counter() - started,
        cpu(own) - own_before,
        cpu(children) - children_before,
        value,
    )


def cpu(who: int) -> float:
    usage = resource.getrusage(who)
    return usage.ru_utime + usage.ru_stime


def scanned_pages(directory: Path, count: int, rotations: tuple[int, ...]) -> list[Path]:
    """Full pages of prose, turned in turn by each of ``rotations``, saved as PNG."""
    directory.mkdir()
    paths = []
    for number in range(count):
        lines = samples.page_lines(f"Délibération n° {number + 1}", seed=number, paragraphs=10)
        image = samples.scan_image(
            lines[:48],
            dpi=DPI,
            font_size=10,
            seed=number,
            rotation=rotations[number % len(rotations)],
        )
        paths.append(directory / f"page-{number:03}.png")
        image.save(paths[-1])
    return paths


def image_pdf(path: Path, pages: list[Path]) -> Path:
    return samples.save_image_pdf(path, [Image.open(page) for page in pages], dpi=DPI)


def raw_tesseract(pages: list[Path]) -> None:
    environment = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    for page in pages:
        subprocess.run(
            ["tesseract", str(page), "stdout", "-l", "fra+eng"],
            env=environment,
            capture_output=True,
            check=True,
        )


def report_scans(label: str, run: Run, pages: int, raw: Run | None) -> None:
    result: Extraction = run.value  # type: ignore[assignment]
    assert result.status == "done" and {page.source for page in result.pages} == {"ocr"}
    inside = result.ocr.tesseract_cpu
    outside = run.own_cpu + run.children_cpu - inside
    line = f"{label:28s} {run.seconds:6.2f} s  {pages / run.seconds:6.2f} pages/s"
    if raw is not None:
        line += f"  ({raw.seconds / run.seconds:.2f}x raw tesseract)"
    print(line)
    print(
        f"{'':28s} CPU in tesseract {inside:6.2f} s, outside {outside:5.2f} s "
        f"= {outside / inside:6.1%} of tesseract's "
        f"(caller {run.own_cpu:.2f} s, page processes {run.children_cpu - inside:.2f} s); "
        f"cores busy on average {(inside + outside) / run.seconds:.2f}"
    )


def thumbnail_of_raster(pdf: Path) -> Run:
    """What a scan's thumbnail adds to its first page's OCR: scaling and encoding the raster
    read_page has in hand (rendered here once, outside the measure, as OCR renders it)."""
    page = pdfium.PdfDocument(str(pdf))[0]
    raster = render_pdf_page(page, DPI, 200_000_000)
    return measure(lambda: [encode_picture(raster, THUMBNAIL_WIDTH) for _ in range(THUMBNAILS)])


def thumbnail_rendered(pdf: Path) -> Run:
    """A born-digital PDF's thumbnail: page 1 rendered small, in a page process of its own."""
    return measure(
        lambda: [
            render_isolated(pdf, "pdf", 0, THUMBNAIL_WIDTH, 200_000_000) for _ in range(THUMBNAILS)
        ]
    )


def report_thumbnails(scan_run: Run, pages: int, from_raster: Run, rendered: Run) -> None:
    result: Extraction = scan_run.value  # type: ignore[assignment]
    page_cpu = (scan_run.own_cpu + scan_run.children_cpu) / pages
    raster = (from_raster.own_cpu + from_raster.children_cpu) / THUMBNAILS
    rendered_cpu = (rendered.own_cpu + rendered.children_cpu) / THUMBNAILS
    assert result.thumbnail is not None
    print(
        f"{'thumbnail of a scan':28s} {raster * 1000:6.1f} ms CPU (from the OCR raster) "
        f"against {page_cpu:.2f} s CPU to ingest a scanned page: {raster / page_cpu:.2%}"
    )
    print(
        f"{'thumbnail, born-digital':28s} {rendered_cpu * 1000:6.1f} ms CPU, "
        f"{rendered.seconds / THUMBNAILS * 1000:.1f} ms wall (page 1 rendered, a process "
        f"forked) = {rendered_cpu / page_cpu:.2%} of a scanned page's ingest"
    )


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    with tempfile.TemporaryDirectory(prefix="bench-ingest-") as name:
        work = Path(name)
        texts = [samples.page_lines(f"Page {n}", seed=n, paragraphs=6) for n in range(50)]
        born = samples.born_digital_pdf(work / "born.pdf", texts[:BORN_DIGITAL_PAGES])
        upright = scanned_pages(work / "upright", count, (0,))
        upright_pdf = image_pdf(work / "upright.pdf", upright)
        turned_pdf = image_pdf(
            work / "turned.pdf", scanned_pages(work / "turned", count, (90, 180, 270))
        )

        born_run = measure(lambda: extract(born, "application/pdf"))
        raw = measure(lambda: raw_tesseract(upright))
        scan_run = measure(lambda: extract(upright_pdf, "application/pdf", dpi=DPI))
        turned_run = measure(lambda: extract(turned_pdf, "application/pdf", dpi=DPI))
        # The pipeline's extraction, thumbnail included (page 1's is made in its OCR process).
        thumbnailed_run = measure(
            lambda: extract(
                upright_pdf, "application/pdf", dpi=DPI, thumbnail_width=THUMBNAIL_WIDTH
            )
        )
        from_raster = thumbnail_of_raster(upright_pdf)
        rendered = thumbnail_rendered(born)

    born_result: Extraction = born_run.value  # type: ignore[assignment]
    assert born_result.ocr.pages == 0
    print(f"cores used: {default_processes()}; scans: {count} A4 pages at {DPI} dpi, fra+eng")
    # Other work on the machine shows in wall times, not in CPU times: say how busy it was.
    print(f"load average over the last minute, at the end: {os.getloadavg()[0]:.2f}")
    print(
        f"{'born-digital PDF':28s} {born_run.seconds:6.2f} s  "
        f"{BORN_DIGITAL_PAGES / born_run.seconds:6.1f} pages/s  (no page through tesseract)"
    )
    print(
        f"{'raw tesseract, 1 process':28s} {raw.seconds:6.2f} s  {count / raw.seconds:6.2f} pages/s"
        f"  CPU {raw.children_cpu:.2f} s"
    )
    report_scans("ged, scanned upright", scan_run, count, raw)
    report_scans("ged, scanned 90/180/270°", turned_run, count, raw)
    report_scans("ged, scanned, + thumbnail", thumbnailed_run, count, raw)
    report_thumbnails(thumbnailed_run, count, from_raster, rendered)


if __name__ == "__main__":
    main()
