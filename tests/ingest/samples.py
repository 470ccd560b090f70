"""Generated test documents: born-digital PDFs, and "scans" with noise and rotation.

Scans are made the way a scanner makes them: a page of French text is laid out
with reportlab, rasterised with pypdfium2, then degraded with Pillow (specks,
rotation) and saved as PNG, JPEG, multi-page TIFF or an image-only PDF.
Everything is seeded, so a failing test fails the same way every time.
"""

from __future__ import annotations

import io
import random
import textwrap
from collections.abc import Sequence
from pathlib import Path

import pypdfium2 as pdfium
from faker import Faker
from PIL import Image
from pypdf import PdfWriter
from reportlab.lib.pagesizes import A4
from reportlab.pdfgen.canvas import Canvas

#: words a reader would not guess, so finding them proves they were read from the page
DISTINCTIVE_WORDS = ("Délibération", "Quimperloise", "Kerfeunteuniennes", "Plouzévédéenne")


def french_paragraphs(count: int, seed: int = 0) -> list[str]:
    fake = Faker("fr_FR")
    fake.seed_instance(seed)
    return [fake.paragraph(nb_sentences=4) for _ in range(count)]


def _draw_lines(canvas: Canvas, lines: Sequence[str], font_size: float) -> None:
    """The first line as a title, in bold and larger, the way documents head their pages."""
    text = canvas.beginText(60, A4[1] - 80)
    title, *body = lines
    text.setFont("Helvetica-Bold", font_size * 1.4)
    text.setLeading(font_size * 2)
    text.textLine(title)
    text.setFont("Helvetica", font_size)
    text.setLeading(font_size * 1.4)
    for line in body:
        text.textLine(line)
    canvas.drawText(text)


def _wrap(paragraphs: Sequence[str], width: int = 60) -> list[str]:
    return [line for paragraph in paragraphs for line in (*textwrap.wrap(paragraph, width), "")]


def page_lines(title: str, seed: int = 0, paragraphs: int = 2) -> list[str]:
    """A title line (carrying the distinctive words) over some French prose."""
    return [title, "", *_wrap(french_paragraphs(paragraphs, seed))]


def born_digital_pdf(path: Path, pages: Sequence[Sequence[str]], font_size: float = 11) -> Path:
    """A PDF with a real text layer, a page per list of lines (Helvetica has French accents)."""
    canvas = Canvas(str(path), pagesize=A4)
    for lines in pages:
        _draw_lines(canvas, lines, font_size)
        canvas.showPage()
    canvas.save()
    return path


def french_born_digital_pdf(path: Path) -> Path:
    """Two pages of French with accents, the test's distinctive words on page 2."""
    return born_digital_pdf(
        path,
        [
            page_lines("Arrêté n° 2024-117 : réglementation de la circulation", seed=1),
            page_lines(f"{DISTINCTIVE_WORDS[0]} du conseil — {DISTINCTIVE_WORDS[1]}", seed=2),
        ],
    )


def scan_image(
    lines: Sequence[str],
    *,
    dpi: int = 150,
    rotation: int = 0,
    noise: float = 0.002,
    font_size: float = 14,
    seed: int = 0,
) -> Image.Image:
    """A greyscale A4 "scan" of the lines: rasterised, speckled, turned by ``rotation`` degrees."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4)
    _draw_lines(canvas, lines, font_size)
    canvas.showPage()
    canvas.save()
    document = pdfium.PdfDocument(buffer.getvalue())
    try:
        image = document[0].render(scale=dpi / 72, grayscale=True).to_pil()
    finally:
        document.close()
    add_specks(image, noise, seed)
    # Counter-clockwise, as a sheet put in the feeder the wrong way round comes out.
    return image.rotate(rotation, expand=True, fillcolor=255) if rotation else image


def add_specks(image: Image.Image, fraction: float, seed: int) -> None:
    """Dust and toner specks: a fraction of the pixels flipped to black or white."""
    rng = random.Random(seed)
    pixels = image.load()
    width, height = image.size
    for _ in range(int(width * height * fraction)):
        pixels[rng.randrange(width), rng.randrange(height)] = rng.choice((0, 255))


def save_image_pdf(path: Path, images: Sequence[Image.Image], dpi: int = 150) -> Path:
    """An image-only PDF, as a scanner without OCR writes it: one image per page, no text layer."""
    first, *rest = images
    first.save(path, "PDF", resolution=dpi, save_all=True, append_images=rest)
    return path


def save_tiff(path: Path, images: Sequence[Image.Image], dpi: int = 150) -> Path:
    """A multi-page TIFF, compressed the way scanners do (Group 4 needs 1-bit pages)."""
    first, *rest = (image.convert("1") for image in images)
    first.save(
        path, "TIFF", save_all=True, append_images=rest, compression="group4", dpi=(dpi, dpi)
    )
    return path


def blank_pages_pdf(path: Path, count: int) -> Path:
    """A PDF of ``count`` empty pages (a scanner's batch of separator sheets, or a bad export)."""
    writer = PdfWriter()
    for _ in range(count):
        writer.add_blank_page(width=A4[0], height=A4[1])
    writer.write(path)
    return path


def truncated_copy(source: Path, target: Path, fraction: float = 0.5) -> Path:
    """The first part of a file, as left by an interrupted transfer."""
    data = source.read_bytes()
    target.write_bytes(data[: int(len(data) * fraction)])
    return target
