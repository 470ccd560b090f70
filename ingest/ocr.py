"""OCR of page images: rasterised in-process with pypdfium2, read by tesseract, a process a page.

Every call that touches an untrusted file with C code (pdfium, image decoders,
tesseract) runs in a forked child of the caller, so a page that crashes,
exhausts memory or hangs takes down its own process only, never the worker.
Children receive a path and a page index, never pixels: nothing big is pickled.
"""

from __future__ import annotations

import math
import resource
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path
from typing import TypeVar

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytesseract
from PIL import Image, ImageOps

from ingest.pages import ImageKind, OcrOptions, OcrResult, PageImage, PdfProbe, WordBox

T = TypeVar("T")

#: below this mean word confidence the page is read again with orientation detection (psm 1):
#: upright text scores 80-95, text read upside down or sideways 30-40
LOW_CONFIDENCE = 60.0
#: a page whose dark pixels are fewer than this fraction is blank (a page number alone is, too)
BLANK_INK = 0.0002
BLANK_PAGE = "blank page"
#: resolution tags below this are placeholders, not a scanner's setting
MIN_TRUSTED_DPI = 100
#: tesseract cannot scale images smaller than this many pixels on a side
MIN_SIDE = 3
#: beyond page_timeout (tesseract's budget), the time a page process may take before it is killed
RENDER_GRACE = 30.0
#: WebP quality of page pictures: text stays crisp at a fraction of PNG's bytes
PICTURE_QUALITY = 75
#: decimals of a word box's fractions: a tenth of a pixel on a 1000-pixel-wide page image
BOX_DECIMALS = 4


class PageRefused(Exception):
    """A page that must not be read, with the reason for people."""


# ---------------------------------------------------------------- page images


def bomb_reason(width: int, height: int) -> str:
    return f"image of {width}×{height} pixels exceeds the limit (decompression bomb?)"


def render_pdf_page(page: pdfium.PdfPage, dpi: float, max_pixels: int) -> Image.Image:
    """The page as a greyscale image at ``dpi``, refusing images inside it that are bombs."""
    for image in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):
        width, height = image.get_px_size()
        if width * height > max_pixels:
            raise PageRefused(bomb_reason(width, height))
    # A poster-sized page at full resolution would be a bomb of our own making: scale it down.
    points = page.get_width() * page.get_height()
    scale = min(dpi / 72, math.sqrt(max_pixels / points)) if points > 0 else dpi / 72
    # Into a grey bitmap, without pdfium's grayscale flag: same pixels, a quarter of the CPU.
    bitmap = page.render(scale=scale, force_bitmap_format=pdfium_c.FPDFBitmap_Gray)
    image = bitmap.to_pil()
    image.info["dpi"] = (scale * 72, scale * 72)
    return image


def image_coverage(page: pdfium.PdfPage) -> float:
    """Fraction of the page that images cover (0-1): near 1 for a scan, small for a logo."""
    width, height = page.get_width(), page.get_height()
    if width <= 0 or height <= 0:
        return 0.0
    covered = 0.0
    for image in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):
        left, bottom, right, top = image.get_bounds()
        covered += max(0.0, min(right, width) - max(left, 0.0)) * max(
            0.0, min(top, height) - max(bottom, 0.0)
        )
    return min(1.0, covered / (width * height))


def load_image_frame(path: str, index: int, max_pixels: int) -> Image.Image:
    """Frame ``index`` of an image file, upright per its EXIF tag, in a mode tesseract reads."""
    image = open_image(path)
    image.seek(index)
    width, height = image.size
    if width * height > max_pixels:
        raise PageRefused(bomb_reason(width, height))
    return to_ocr_mode(ImageOps.exif_transpose(image))


def render_page(path: str, kind: ImageKind, index: int, width: int, max_pixels: int) -> bytes:
    """Page ``index`` of a PDF, or frame of an image file, as WebP ``width`` pixels across:
    rendered at that size only, so a born-digital page costs a few milliseconds."""
    if kind == "pdf":
        document = pdfium.PdfDocument(path)
        if not 0 <= index < len(document):
            raise PageRefused(f"the PDF has no page {index + 1}")
        document.init_forms()
        page = document[index]
        image = render_pdf_page(page, width * 72 / (page.get_width() or 1.0), max_pixels)
    else:
        image = load_image_frame(path, index, max_pixels)
    return encode_picture(image, width)


def encode_picture(image: Image.Image, width: int) -> bytes:
    """The image scaled down to ``width`` pixels across (never up), as WebP."""
    if image.width > width:
        height = max(1, round(image.height * width / image.width))
        # reducing_gap: a cheap box reduction first, then a good filter on the small image
        image = image.resize((width, height), Image.Resampling.LANCZOS, reducing_gap=3.0)
    if image.mode not in ("L", "RGB"):
        image = image.convert("L")
    out = BytesIO()
    image.save(out, "WEBP", quality=PICTURE_QUALITY, method=2)
    return out.getvalue()


def count_frames(path: Path) -> int:
    """Pages of an image file (several in a multi-page TIFF), from its headers only."""
    with open_image(str(path)) as image:
        return getattr(image, "n_frames", 1)


def open_image(path: str) -> Image.Image:
    # Pillow's built-in limit (a warning, an error at twice the size) would stand in for the
    # configured one: it is lifted while the header is read, and ours is checked right after.
    limit, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, None
    try:
        return Image.open(path)
    finally:
        Image.MAX_IMAGE_PIXELS = limit


def scaled_to_grey(image: Image.Image) -> Image.Image | None:
    """A 16-bit or float scan as 8-bit grey, scaled (Pillow's own conversion clips); None
    for other modes."""
    if not image.mode.startswith(("I", "F")):
        return None
    maximum = image.getextrema()[1] or 1
    return image.convert("F").point(lambda value: value * 255 / maximum).convert("L")


def on_white(image: Image.Image) -> Image.Image | None:
    """An image with transparency laid on white paper (not on black), as RGBA; None for
    an opaque one."""
    if not ("A" in image.getbands() or image.mode == "P" and "transparency" in image.info):
        return None
    rgba = image.convert("RGBA")
    return Image.alpha_composite(Image.new("RGBA", rgba.size, "white"), rgba)


def to_ocr_mode(image: Image.Image) -> Image.Image:
    """Black and white or greyscale: what tesseract works on, at a third of the bytes of colour."""
    if image.mode in ("1", "L"):
        return image
    grey = scaled_to_grey(image)
    if grey is not None:
        return grey
    flat = on_white(image)
    if flat is not None:
        return flat.convert("L")
    if image.mode in ("RGB", "CMYK", "P"):
        return image.convert("L")
    return image.convert("RGB").convert("L")  # colour spaces Pillow turns grey only via RGB


def is_blank(image: Image.Image) -> bool:
    """Next to no ink: for "1" and "L" images, whose histograms both start at black."""
    # One pixel in 16 estimates the share of ink as well as all of them, 8 times faster.
    sample = image.resize(
        (max(1, image.width // 4), max(1, image.height // 4)), Image.Resampling.NEAREST
    )
    return sum(sample.histogram()[:128]) < BLANK_INK * sample.width * sample.height


# ---------------------------------------------------------------- tesseract


def words_to_text(data: dict[str, list]) -> tuple[str, float | None]:
    """Text (lines and paragraphs kept) and mean word confidence from tesseract's TSV words."""
    lines: list[str] = []
    confidences: list[float] = []
    current = None
    words: list[str] = []
    for word, conf, *position in zip(
        data["text"],
        data["conf"],
        data["block_num"],
        data["par_num"],
        data["line_num"],
        strict=True,
    ):
        word = word.strip()
        if not word or float(conf) < 0:
            continue
        if position != current and words:
            lines.append(" ".join(words))
            words = []
            if current is not None and position[:2] != current[:2]:
                lines.append("")  # a new paragraph
        current = position
        words.append(word)
        confidences.append(float(conf))
    if words:
        lines.append(" ".join(words))
    confidence = round(sum(confidences) / len(confidences), 1) if confidences else None
    return "\n".join(lines), confidence


def words_to_boxes(data: dict[str, list], width: int, height: int) -> list[WordBox]:
    """Each word tesseract read with its box, as fractions of the image's width and height."""
    boxes: list[WordBox] = []
    for word, conf, left, top, across, down in zip(
        data["text"],
        data["conf"],
        data["left"],
        data["top"],
        data["width"],
        data["height"],
        strict=True,
    ):
        word = str(word).strip()
        if not word or float(conf) < 0:
            continue
        x0, y0 = int(left) / width, int(top) / height
        x1, y1 = (int(left) + int(across)) / width, (int(top) + int(down)) / height
        boxes.append([*(round(value, BOX_DECIMALS) for value in (x0, y0, x1, y1)), word])
    return boxes


@dataclass(frozen=True)
class Reading:
    """What one tesseract run read: the text, its mean word confidence, and when asked
    for, the page's invisible text layer as a one-page PDF (tesseract's own, written in
    the same run: the words are placed where tesseract found them, at no second reading)."""

    text: str
    confidence: float | None
    text_layer: bytes | None = None
    #: the words with their boxes, from the same TSV as the text
    boxes: list[WordBox] = field(default_factory=list)


def run_tesseract(
    image_path: str,
    languages: str,
    *,
    psm: int,
    dpi: int | None,
    timeout: float,
    text_layer: bool = False,
    size: tuple[int, int] = (1, 1),
) -> Reading:
    # One run, several outputs: the TSV words always, the text-only PDF when asked. The
    # PDF adds about 5 % to a page's OCR time (bench/bench_pdfa.py).
    config = f"--psm {psm}" + (f" --dpi {dpi}" if dpi else "") + " -c tessedit_create_tsv=1"
    config += " -c textonly_pdf=1" if text_layer else ""
    base = str(Path(image_path).with_suffix(""))
    pytesseract.pytesseract.run_tesseract(
        image_path,
        base,
        "tsv pdf" if text_layer else "tsv",
        languages,
        config,
        timeout=max(timeout, 0.1),
    )
    words = pytesseract.pytesseract.file_to_dict(
        Path(f"{base}.tsv").read_text(encoding="utf-8", errors="replace"), "\t", -1
    )
    text, confidence = words_to_text(words) if words else ("", None)
    boxes = words_to_boxes(words, *size) if words else []
    layer = Path(f"{base}.pdf").read_bytes() if text_layer else None
    return Reading(text, confidence, layer, boxes)


def ocr_image(
    image: Image.Image, options: OcrOptions, workdir: Path, *, dpi: int | None, deadline: float
) -> Reading:
    """Text and mean confidence of an image, read as it stands and, when that reading is
    poor, read again with orientation detection, for pages scanned sideways or upside down.

    Orientation detection (OSD) costs a tesseract run: done on every page it would add a
    fifth to upright pages, the usual case, to save a run on turned ones, which read as
    poor text (confidence 30-40 against 80-95) and so are caught by the first reading.
    """
    # BMP: no compression to pay for on either side; PNG costs 60 ms a page to write for nothing.
    path = str(workdir / "page.bmp")
    image.save(path, "BMP")
    upright = run_tesseract(
        path,
        options.languages,
        psm=3,
        dpi=dpi,
        timeout=deadline - time.monotonic(),
        text_layer=options.text_layer,
        size=image.size,
    )
    if upright.confidence is not None and upright.confidence >= LOW_CONFIDENCE:
        return upright
    turned = run_tesseract(
        path,
        options.languages,
        psm=1,
        dpi=dpi,
        timeout=deadline - time.monotonic(),
        text_layer=options.text_layer,
        size=image.size,
    )
    return max(upright, turned, key=lambda reading: reading.confidence or 0.0)


# ---------------------------------------------------------------- one page, in its own process


def read_page(page: PageImage, options: OcrOptions, workdir: Path) -> OcrResult:
    """OCR one page; never raises for a bad page, says why in the result's note."""
    deadline = time.monotonic() + options.page_timeout
    thumbnail = None
    try:
        image, dpi = _load(page, options)
        if options.thumbnail_width and page.index == 0:
            # From the raster OCR reads anyway: the thumbnail costs its scaling alone.
            thumbnail = encode_picture(image, options.thumbnail_width)
        if min(image.size) < MIN_SIDE:
            return _finish(
                note=f"image too small to hold text ({image.width}×{image.height} pixels)",
                thumbnail=thumbnail,
            )
        if is_blank(image):
            return _finish(note=BLANK_PAGE, thumbnail=thumbnail)
        reading = ocr_image(image, options, workdir, dpi=dpi, deadline=deadline)
    except PageRefused as refusal:
        return _finish(note=str(refusal), failed=True)
    except RuntimeError as error:
        if "timeout" not in str(error):  # how pytesseract says it killed tesseract
            raise
        return _finish(
            note=f"OCR stopped after {options.page_timeout:g} s", failed=True, thumbnail=thumbnail
        )
    except MemoryError:
        return _finish(note="the page needs more memory than there is to read it", failed=True)
    except (pytesseract.TesseractError, OSError, EOFError, ValueError, pdfium.PdfiumError) as error:
        return _finish(note=f"the page could not be read: {error}", failed=True)
    return _finish(
        reading.text,
        reading.confidence,
        note=None if reading.text else "no text found",
        ocr_ran=True,
        text_layer=reading.text_layer,
        word_boxes=reading.boxes,
        thumbnail=thumbnail,
    )


def _load(page: PageImage, options: OcrOptions) -> tuple[Image.Image, int | None]:
    if page.kind == "pdf":
        document = pdfium.PdfDocument(page.path)
        document.init_forms()  # so that filled-in form fields are drawn, as on paper
        image = render_pdf_page(document[page.index], options.dpi, options.max_image_pixels)
    else:
        image = load_image_frame(page.path, page.index, options.max_image_pixels)
    # Trust a scanner's resolution tag, not the 72 or 96 that software writes when it does
    # not know (cameras, screenshots): tesseract then estimates it from the text.
    dpi = round(image.info.get("dpi", (0, 0))[0])
    return image, dpi if dpi >= MIN_TRUSTED_DPI else None


def _finish(
    text: str = "",
    confidence: float | None = None,
    *,
    note: str | None,
    failed: bool = False,
    ocr_ran: bool = False,
    text_layer: bytes | None = None,
    word_boxes: list[WordBox] | None = None,
    thumbnail: bytes | None = None,
) -> OcrResult:
    # A forked child starts with zero usage: what it has used is what this page cost.
    own = resource.getrusage(resource.RUSAGE_SELF)
    tesseract = resource.getrusage(resource.RUSAGE_CHILDREN)
    return OcrResult(
        text,
        confidence,
        note,
        failed,
        ocr_ran,
        tesseract_cpu=tesseract.ru_utime + tesseract.ru_stime,
        worker_cpu=own.ru_utime + own.ru_stime,
        text_layer=text_layer,
        word_boxes=word_boxes,
        thumbnail=thumbnail,
    )


def probe_pdf(path: str, indexes: Sequence[int] | None) -> PdfProbe:
    """Page count, image coverage and pdfium's text of the given pages (all when None)."""
    document = pdfium.PdfDocument(path)
    coverage: dict[int, float] = {}
    texts: dict[int, str] = {}
    for index in range(len(document)) if indexes is None else indexes:
        try:
            page = document[index]
            coverage[index] = image_coverage(page)
            texts[index] = page.get_textpage().get_text_bounded().replace("\r\n", "\n")
        except pdfium.PdfiumError:
            continue  # a damaged page: the others are still worth reading
    return PdfProbe(len(document), coverage, texts)


# ---------------------------------------------------------------- processes
