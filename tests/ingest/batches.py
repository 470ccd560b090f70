"""Scanned batches made for the tests: letters of French text (reportlab, Faker fr_FR)
with separator or cover sheets from ingest.sheets between them, rasterised like a scanner
does (grey, noise, a sheet fed upside down, one skewed), saved as one PDF or TIFF.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

import pypdfium2 as pdfium
from faker import Faker
from PIL import Image, ImageFilter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

from ingest.sheets import Sheet, sheet_pdf

SEPARATOR = "GED-SEPARATEUR"
PREFIX = "GED:"


@dataclass(frozen=True)
class Letter:
    """A document of the batch: its pages, the sheet before it (None: no separator), and
    how that sheet is fed ("upright", "upside_down", "skewed", "quarter")."""

    pages: int = 1
    sheet: Sheet | None = field(default_factory=Sheet)
    feed: str = "upright"
    blank_after: bool = False


def letter_pages(count: int, seed: int, marker: str, dpi: int = 100) -> list[Image.Image]:
    """Pages of a French letter, the first bearing ``marker`` so tests can tell them apart."""
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    for number in range(count):
        canvas.setFont("Helvetica", 12)
        y = 800
        canvas.drawString(60, y, f"{marker} page {number + 1}")
        for line in [fake.name(), fake.address().replace("\n", ", "), *fake.paragraphs(nb=6)]:
            y -= 30
            canvas.drawString(60, y, line[:90])
        canvas.showPage()
    canvas.save()
    return rasterised(buffer.getvalue(), dpi)


def rasterised(pdf: bytes, dpi: int = 100) -> list[Image.Image]:
    document = pdfium.PdfDocument(pdf)
    return [page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for page in document]


def scanned(image: Image.Image, feed: str, rng: random.Random) -> Image.Image:
    """Like a scanner's grey page: the feed's rotation, a little blur and speckle noise."""
    if feed == "upside_down":
        image = image.rotate(180)
    elif feed == "quarter":
        image = image.rotate(90, expand=True)
    elif feed == "skewed":
        image = image.rotate(2.5, resample=Image.Resampling.BICUBIC, fillcolor=255)
    image = image.filter(ImageFilter.GaussianBlur(0.6))
    pixels = image.load()
    width, height = image.size
    for _ in range(width * height // 400):
        x, y = rng.randrange(width), rng.randrange(height)
        pixels[x, y] = rng.choice((0, 90, 200))  # type: ignore[index]
    return image


def blank_page(rng: random.Random, dpi: int = 100) -> Image.Image:
    size = (round(8.27 * dpi), round(11.69 * dpi))
    return scanned(Image.new("L", size, 255), "upright", rng)


def batch_pages(letters: Sequence[Letter], seed: int = 19, dpi: int = 100) -> list[Image.Image]:
    rng = random.Random(seed)
    pages: list[Image.Image] = []
    for index, letter in enumerate(letters):
        if letter.sheet is not None:
            sheet = rasterised(sheet_pdf([letter.sheet], SEPARATOR, PREFIX), dpi)[0]
            pages.append(scanned(sheet, letter.feed, rng))
        pages.extend(
            scanned(p, "upright", rng)
            for p in letter_pages(letter.pages, index, f"LETTRE-{index + 1}", dpi)
        )
        if letter.blank_after:
            pages.append(blank_page(rng, dpi))
    return pages


def save_batch(pages: Sequence[Image.Image], path: Path, dpi: int = 100) -> Path:
    """As a PDF of page images or a multi-page TIFF, by the path's suffix, at ``dpi``."""
    if path.suffix == ".pdf":
        pages[0].save(
            path, format="PDF", save_all=True, append_images=list(pages[1:]), resolution=dpi
        )
    else:
        pages[0].save(
            path,
            format="TIFF",
            save_all=True,
            append_images=list(pages[1:]),
            compression="tiff_deflate",
            dpi=(dpi, dpi),
        )
    return path
