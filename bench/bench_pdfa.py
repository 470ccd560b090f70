"""Cost of a searchable PDF/A-2b per scanned page: ged's own way against OCRmyPDF's.

Usage: .venv/bin/python bench/bench_pdfa.py [PAGES] [--ocrmypdf PATH]   (default: 4 pages)

The same image-only PDF (A4 pages of French prose at 300 dpi with specks, as a scanner
writes them) goes through, in the same run, one page process at a time:

1. ged's extraction as it was: tesseract writes the TSV words only;
2. ged's extraction with the text layer: the same tesseract run also writes the page's
   text-only PDF (``textonly_pdf=1``), the difference being what the rendition adds to OCR;
3. the assembly of the PDF/A-2b from those layers (ingest.pdfa: pikepdf, and its own
   PDF/A validation of what it wrote);
4. OCRmyPDF ``--output-type pdfa-2`` on the same PDF (it OCRs every page again, then
   converts with Ghostscript), when its command is found: ``--ocrmypdf PATH`` or on PATH.
   It is no dependency of ged; to measure it, install it in a venv of its own.

CPU seconds are those of this process's children (page processes, tesseract,
Ghostscript), the measure that matters on a worker whose cores are all busy.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # tests.ingest.samples is not an installed package

from ingest.pages import Extraction  # noqa: E402
from ingest.pdfa import PdfaJob, make_pdfa  # noqa: E402
from ingest.text import extract  # noqa: E402
from tests.ingest import samples  # noqa: E402

DPI = 300


@dataclass(frozen=True)
class Cost:
    wall: float
    cpu: float  # own + children's CPU seconds


def measure(work: Callable[[], object]) -> Cost:
    before_self = resource.getrusage(resource.RUSAGE_SELF)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    work()
    wall = time.perf_counter() - start
    after_self = resource.getrusage(resource.RUSAGE_SELF)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)

    def cpu(a: resource.struct_rusage, b: resource.struct_rusage) -> float:
        return (b.ru_utime - a.ru_utime) + (b.ru_stime - a.ru_stime)

    return Cost(wall, cpu(before, after) + cpu(before_self, after_self))


def scanned_pdf(path: Path, pages: int) -> Path:
    images = [
        samples.scan_image(samples.page_lines(f"Page {n}", seed=n, paragraphs=4), dpi=DPI, seed=n)
        for n in range(pages)
    ]
    return samples.save_image_pdf(path, images, dpi=DPI)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("pages", nargs="?", type=int, default=4)
    parser.add_argument("--ocrmypdf", default=shutil.which("ocrmypdf"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-pdfa-") as scratch:
        work = Path(scratch)
        source = scanned_pdf(work / "scan.pdf", args.pages)
        costs: dict[str, Cost] = {}

        def read(layers: bool) -> None:
            extraction = extract(
                source, "application/pdf", processes=1, text_layers=layers, max_pages=1000
            )
            assert extraction.ocr.pages == args.pages, extraction
            results[layers] = extraction

        results: dict[bool, Extraction] = {}
        costs["ged OCR, TSV words only (before)"] = measure(lambda: read(False))
        costs["ged OCR, TSV + text-layer PDF, one run"] = measure(lambda: read(True))
        layers = results[True].text_layers
        job = PdfaJob(source, "pdf", layers, "bench")
        output = work / "ged.pdf"
        costs["ged PDF/A assembly (pikepdf)"] = measure(lambda: make_pdfa(job, output, timeout=600))
        if args.ocrmypdf:
            command = [
                args.ocrmypdf,
                "--output-type",
                "pdfa-2",
                "-l",
                "fra+eng",
                "--jobs",
                "1",
                "--quiet",
                str(source),
                str(work / "ocrmypdf.pdf"),
            ]
            costs["OCRmyPDF --output-type pdfa-2 (OCRs again)"] = measure(
                lambda: subprocess.run(command, check=True)
            )
    print(f"{args.pages} scanned A4 pages at {DPI} dpi, one page process at a time\n")
    print(f"{'':46} {'wall s/page':>12} {'CPU s/page':>11}")
    for name, cost in costs.items():
        print(f"{name:46} {cost.wall / args.pages:12.2f} {cost.cpu / args.pages:11.2f}")
    before = costs["ged OCR, TSV words only (before)"]
    after = costs["ged OCR, TSV + text-layer PDF, one run"]
    assembly = costs["ged PDF/A assembly (pikepdf)"]
    added = (after.cpu - before.cpu + assembly.cpu) / args.pages
    print(
        f"\nadded by the rendition in ged's pipeline: {added:.2f} CPU s/page "
        f"({100 * added * args.pages / before.cpu:.0f} % of the OCR alone)"
    )
    if not args.ocrmypdf:
        print("OCRmyPDF not found: pass --ocrmypdf PATH to measure it in the same run")


if __name__ == "__main__":
    main()
