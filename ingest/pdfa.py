"""Searchable PDF/A-2b of a scan: each page's image under the invisible text layer that
tesseract wrote when the pipeline read the page, so no page is ever OCR'd twice.

Why this way and not OCRmyPDF (``bench/bench_pdfa.py``, the same 4 scanned A4 pages
at 300 dpi, one page process at a time, on the 2-core development machine, CPU seconds
per page, the measure that counts on a worker whose cores are all busy):

==============================================  ============
ged's OCR as it was (tesseract, TSV words)       1.28
ged's OCR + text-layer PDF in the same run       1.35 (+0.07)
assembling the PDF/A-2b here (pikepdf)           0.03 (0.10 s wall)
OCRmyPDF --output-type pdfa-2 (OCRs again)       2.29
==============================================  ============

OCRmyPDF reads every page again with tesseract (it cannot take ged's reading), then
runs Ghostscript's PDF/A conversion: 2.29 s a page on top of the OCR ged does anyway,
where this way adds about 0.1 s (8 % of the OCR). Making OCRmyPDF the OCR step itself
would replace ged's page processes (isolation, bomb limits, orientation retry, the text
of each page with its confidence) for a tool that does not return them. So: tesseract's
own text-only PDF (``textonly_pdf=1``, the GlyphLessFont renderer OCRmyPDF uses too),
grafted onto the page image with pikepdf, and written by ``pikepdf.pdfa.save``, which
adds the sRGB output intent and the PDF/A XMP identification and refuses to write a
file its validator does not pass; the tests check the result with veraPDF.

Images are embedded as they are where PDF allows it (a JPEG's own bytes), otherwise
losslessly (Flate); the colours are kept. A scanned PDF keeps its own pages, the text
layer laid over them; if that does not make a valid PDF/A (an unembedded font, a
transparency group), Ghostscript's PDF/A conversion is tried before giving up.
Everything that decodes the untrusted file runs in a process of its own.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import zlib
from dataclasses import dataclass
from functools import cache, partial
from pathlib import Path
from typing import TYPE_CHECKING

import pikepdf
import pytesseract
from PIL import Image, ImageOps

from ingest.ocr import (
    MIN_TRUSTED_DPI,
    bomb_reason,
    count_frames,
    on_white,
    open_image,
    scaled_to_grey,
)
from ingest.pages import ImageKind, Stopped
from ingest.processes import run_isolated

if TYPE_CHECKING:
    from pikepdf import pdfa

#: the resolution assumed for a page image whose resolution tag is missing or a placeholder
DEFAULT_DPI = 300
#: seconds for Ghostscript's PDF/A conversion, per page
GHOSTSCRIPT_PAGE_SECONDS = 10.0


class PdfaNotMade(Exception):
    """The rendition could not be made, with the reason for people."""


@dataclass(frozen=True)
class PdfaJob:
    """What to assemble: the original file, its kind, and the text layer of each OCR'd
    page (0-based index → tesseract's one-page text-only PDF)."""

    source: Path
    kind: ImageKind
    text_layers: dict[int, bytes]
    title: str
    max_image_pixels: int = 200_000_000


def make_pdfa(job: PdfaJob, output: Path, *, timeout: float) -> str:
    """Write the PDF/A-2b rendition of ``job`` to ``output``; return its producer (the
    tools and their versions, for the record). Raises PdfaNotMade with the reason."""
    outcome = run_isolated(
        [partial(_assemble, job, output)], processes=1, timeout=max(timeout, 1.0)
    )[0]
    if isinstance(outcome, Stopped):
        raise PdfaNotMade(f"the PDF/A rendition could not be made: {outcome.reason}")
    if isinstance(outcome, PdfaNotMade):
        raise outcome
    return outcome


def producer(ghostscript: bool = False) -> str:
    tools = [f"tesseract {pytesseract.get_tesseract_version()}", f"pikepdf {pikepdf.__version__}"]
    if ghostscript:
        tools.append(f"ghostscript {_ghostscript_version()}")
    return " + ".join(tools)


# ---------------------------------------------------------------- in the child process


def _assemble(job: PdfaJob, output: Path, workdir: Path) -> str | PdfaNotMade:
    import pikepdf.pdfa  # 0.6 s to import: here, not in every process that imports ingest

    try:
        pdf = _pdf_pages(job) if job.kind == "pdf" else _image_pages(job)
        with pdf.open_metadata(set_pikepdf_as_editor=False) as metadata:
            metadata["dc:title"] = job.title
        try:
            pikepdf.pdfa.save(pdf, output, "2b")
            return producer()
        except pikepdf.pdfa.PdfaError as refusal:
            if job.kind != "pdf" or shutil.which("gs") is None:
                return PdfaNotMade(f"the PDF/A rendition is not valid: {_findings(refusal)}")
            _through_ghostscript(pdf, output, workdir)
            return producer(ghostscript=True)
    except PdfaNotMade as refusal:
        return refusal
    except (pikepdf.PdfError, OSError, ValueError, EOFError) as error:
        return PdfaNotMade(f"the PDF/A rendition could not be made: {error}")


def _pdf_pages(job: PdfaJob) -> pikepdf.Pdf:
    """The scanned PDF's own pages, each OCR'd one with its text layer laid over it."""
    pdf = pikepdf.new()
    original = pikepdf.open(job.source)
    pdf.pages.extend(original.pages)
    for index, layer in job.text_layers.items():
        if index < len(pdf.pages):
            page = pdf.pages[index]
            # pdfium rendered the crop box, which is what tesseract saw.
            _overlay(pdf, page, layer, pikepdf.Rectangle(page.cropbox))
    return pdf


def _image_pages(job: PdfaJob) -> pikepdf.Pdf:
    pdf = pikepdf.new()
    passthrough = _jpeg_as_is(job.source)
    for index in range(count_frames(job.source)):
        with open_image(str(job.source)) as image:
            image.seek(index)
            if image.width * image.height > job.max_image_pixels:
                raise PdfaNotMade(bomb_reason(image.width, image.height))
            xobject, width, height = _image_xobject(pdf, image, passthrough)
        dpi = round(image.info.get("dpi", (0, 0))[0])
        scale = 72 / (dpi if dpi >= MIN_TRUSTED_DPI else DEFAULT_DPI)
        box = (width * scale, height * scale)
        page = pdf.add_blank_page(page_size=box)
        page.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=xobject))
        page.Contents = pdf.make_stream(
            f"q {box[0]:.4f} 0 0 {box[1]:.4f} 0 0 cm /Im0 Do Q\n".encode()
        )
        if index in job.text_layers:
            _overlay(pdf, page, job.text_layers[index], pikepdf.Rectangle(0, 0, *box))
    return pdf


def _overlay(pdf: pikepdf.Pdf, page: pikepdf.Page, layer: bytes, box: pikepdf.Rectangle) -> None:
    text = pikepdf.open(io.BytesIO(layer))
    form = pdf.copy_foreign(text.pages[0].as_form_xobject())
    page.add_overlay(form, box)


def _jpeg_as_is(path: Path) -> bytes | None:
    """A JPEG's own bytes, when PDF can show them as they are: upright, grey or RGB."""
    with Image.open(path) as image:
        if image.format != "JPEG" or image.mode not in ("L", "RGB"):
            return None
        if image.getexif().get(0x0112, 1) != 1:  # turned by its EXIF tag: OCR saw it upright
            return None
    return path.read_bytes()


def _image_xobject(
    pdf: pikepdf.Pdf, frame: Image.Image, jpeg: bytes | None
) -> tuple[pikepdf.Stream, int, int]:
    """The frame as a PDF image, upright as OCR saw it; with its width and height."""
    if jpeg is not None:
        colours = pikepdf.Name.DeviceGray if frame.mode == "L" else pikepdf.Name.DeviceRGB
        stream = _image_stream(pdf, jpeg, frame.size, colours, 8, pikepdf.Name.DCTDecode)
        return stream, frame.width, frame.height
    image = _pdf_mode(ImageOps.exif_transpose(frame))
    colours = pikepdf.Name.DeviceRGB if image.mode == "RGB" else pikepdf.Name.DeviceGray
    # Pillow packs "1" images a bit a pixel, 1 for white: DeviceGray's own 1-bit layout.
    bits = 1 if image.mode == "1" else 8
    data = zlib.compress(image.tobytes(), 6)
    stream = _image_stream(pdf, data, image.size, colours, bits, pikepdf.Name.FlateDecode)
    return stream, image.width, image.height


def _image_stream(
    pdf: pikepdf.Pdf,
    data: bytes,
    size: tuple[int, int],
    colours: pikepdf.Name,
    bits: int,
    encoding: pikepdf.Name,
) -> pikepdf.Stream:
    return pikepdf.Stream(
        pdf,
        data,
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=size[0],
        Height=size[1],
        ColorSpace=colours,
        BitsPerComponent=bits,
        Filter=encoding,
    )


def _pdf_mode(image: Image.Image) -> Image.Image:
    """Black and white, grey or RGB, transparent areas laid on white paper: PDF/A allows
    no transparency, and these three are what scanners produce."""
    if image.mode in ("1", "L", "RGB"):
        return image
    grey = scaled_to_grey(image)
    if grey is not None:
        return grey
    flat = on_white(image)
    if flat is not None:
        return flat.convert("L" if image.mode == "LA" else "RGB")
    return image.convert("RGB")


def _through_ghostscript(pdf: pikepdf.Pdf, output: Path, workdir: Path) -> None:
    """Ghostscript's PDF/A-2 conversion (it embeds fonts, flattens transparency), then
    pikepdf's declaration and validation as for the direct path."""
    import pikepdf.pdfa

    plain, converted = workdir / "plain.pdf", workdir / "converted.pdf"
    pdf.save(plain)
    try:
        subprocess.run(
            [
                "gs",
                "-dSAFER",
                "-dBATCH",
                "-dNOPAUSE",
                "-dQUIET",
                "-sDEVICE=pdfwrite",
                "-dPDFA=2",
                "-dPDFACompatibilityPolicy=1",
                "-sColorConversionStrategy=RGB",
                f"-sOutputFile={converted}",
                str(plain),
            ],
            check=True,
            capture_output=True,
            timeout=GHOSTSCRIPT_PAGE_SECONDS * max(1, len(pdf.pages)),
        )
        with pikepdf.open(converted) as again:
            pikepdf.pdfa.save(again, output, "2b")
    except subprocess.CalledProcessError as error:
        raise PdfaNotMade(
            f"Ghostscript could not convert the scan to PDF/A: {error.stderr.decode()[-300:]}"
        ) from error
    except subprocess.TimeoutExpired as error:
        raise PdfaNotMade("Ghostscript took too long to convert the scan to PDF/A") from error
    except pikepdf.pdfa.PdfaError as refusal:
        raise PdfaNotMade(f"the PDF/A rendition is not valid: {_findings(refusal)}") from refusal


def _findings(refusal: pdfa.PdfaError) -> str:
    findings = getattr(refusal.report, "findings", None) or []
    return "; ".join(str(finding) for finding in list(findings)[:3]) or str(refusal)


@cache
def _ghostscript_version() -> str:
    return subprocess.run(["gs", "--version"], capture_output=True, text=True).stdout.strip()
