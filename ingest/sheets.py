"""Separator and cover sheets for the mail room, as A4 PDFs (reportlab).

Every sheet carries patch code T at its leading (top) edge, to the Kodak specification
(bars 0.08 in and 0.20 in, spaces 0.08 in, here 3 in long), and a QR code of the
separator value, so that scanners that read patches and ged alike see a separator. A
cover sheet also carries a second QR code, its filing code, which files the documents
scanned after it; its French text says what it files, for the people handling post.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from io import BytesIO

from reportlab.graphics import renderPDF
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.graphics.shapes import Drawing
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import inch, mm
from reportlab.pdfgen.canvas import Canvas

#: patch T from its leading edge: (is a bar, width in inches)
PATCH_T = (
    (True, 0.08),
    (False, 0.08),
    (True, 0.20),
    (False, 0.08),
    (True, 0.08),
    (False, 0.08),
    (True, 0.20),
)
PATCH_LENGTH = 3 * inch
#: from the top edge: Kodak's readers want it 0.25 to 3.75 in from the leading edge
PATCH_TOP = 0.6 * inch
QR_SIZE = 55 * mm


@dataclass(frozen=True)
class Sheet:
    """What a sheet files; a plain separator files nothing."""

    document_type: str = ""
    unit: str = ""
    tags: tuple[str, ...] = ()
    reference: str = ""

    @property
    def files_something(self) -> bool:
        return bool(self.document_type or self.unit or self.tags or self.reference)

    def filing_code(self, prefix: str) -> str:
        parts = [
            f"{key}={value}"
            for key, value in (
                ("type", self.document_type),
                ("unit", self.unit),
                ("tags", ",".join(self.tags)),
                ("ref", self.reference),
            )
            if value
        ]
        return prefix + ";".join(parts)


def sheet_pdf(sheets: Sequence[Sheet], separator_value: str, filing_prefix: str) -> bytes:
    """One page per sheet."""
    buffer = BytesIO()
    canvas = Canvas(buffer, pagesize=A4, invariant=True)
    canvas.setTitle("Feuilles de séparation")
    for sheet in sheets:
        _draw(canvas, sheet, separator_value, filing_prefix)
        canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _draw(canvas: Canvas, sheet: Sheet, separator_value: str, filing_prefix: str) -> None:
    width, height = A4
    y = height - PATCH_TOP
    left = (width - PATCH_LENGTH) / 2
    for is_bar, thickness in PATCH_T:
        if is_bar:
            canvas.rect(
                left, y - thickness * inch, PATCH_LENGTH, thickness * inch, stroke=0, fill=1
            )
        y -= thickness * inch
    canvas.setFont("Helvetica-Bold", 26)
    title = "Feuille de couverture" if sheet.files_something else "Feuille de séparation"
    canvas.drawCentredString(width / 2, height - 62 * mm, title)
    canvas.setFont("Helvetica", 12)
    canvas.drawCentredString(
        width / 2, height - 72 * mm, "Placez cette feuille devant chaque document à numériser."
    )
    codes = [(separator_value, "séparateur")]
    if sheet.files_something:
        codes.append((sheet.filing_code(filing_prefix), "classement"))
    gap = (width - len(codes) * QR_SIZE) / (len(codes) + 1)
    for position, (value, label) in enumerate(codes):
        x = gap + position * (QR_SIZE + gap)
        _qr(canvas, value, x, height - 82 * mm - QR_SIZE)
        canvas.setFont("Helvetica", 9)
        canvas.drawCentredString(x + QR_SIZE / 2, height - 88 * mm - QR_SIZE, label)
    _legend(canvas, sheet, height - 110 * mm - QR_SIZE)


def _qr(canvas: Canvas, value: str, x: float, y: float) -> None:
    widget = QrCodeWidget(value, barLevel="M")
    left, bottom, right, top = widget.getBounds()
    drawing = Drawing(
        QR_SIZE, QR_SIZE, transform=[QR_SIZE / (right - left), 0, 0, QR_SIZE / (top - bottom), 0, 0]
    )
    drawing.add(widget)
    renderPDF.draw(drawing, canvas, x, y)


def _legend(canvas: Canvas, sheet: Sheet, y: float) -> None:
    lines = [
        ("Type de document", sheet.document_type),
        ("Service", sheet.unit),
        ("Mots-clés", ", ".join(sheet.tags)),
        ("Référence", sheet.reference),
    ]
    canvas.setFont("Helvetica", 14)
    for label, value in lines:
        if value:
            canvas.drawString(35 * mm, y, f"{label} : {value}")
            y -= 9 * mm
    if not sheet.files_something:
        canvas.drawString(35 * mm, y, "Les pages qui suivent forment un nouveau document.")
