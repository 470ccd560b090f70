"""The body of an e-mail message as a document people read and print: a PDF with the
headers at the top (in French), then the text; or the same as plain text."""

from __future__ import annotations

import functools
import io
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.platypus import HRFlowable, Paragraph, Preformatted, SimpleDocTemplate, Spacer

from ingest.mail import Mail

#: DejaVu (Debian's fonts-dejavu-core, which scripts/bootstrap.sh installs) writes Greek,
#: Cyrillic and most European letters; reportlab's Helvetica only Latin-1's
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")


@functools.cache
def _fonts() -> tuple[str, str]:
    """(regular, bold) font names: DejaVu Sans when installed, else Helvetica."""
    regular, bold = DEJAVU / "DejaVuSans.ttf", DEJAVU / "DejaVuSans-Bold.ttf"
    if not (regular.exists() and bold.exists()):
        return "Helvetica", "Helvetica-Bold"
    pdfmetrics.registerFont(TTFont("GedMail", str(regular)))
    pdfmetrics.registerFont(TTFont("GedMail-Bold", str(bold)))
    pdfmetrics.registerFontFamily("GedMail", normal="GedMail", bold="GedMail-Bold")
    return "GedMail", "GedMail-Bold"


def header_lines(message: Mail) -> list[tuple[str, str]]:
    sender = message.sender or "(inconnu)"
    if message.sender_name:
        sender = f"{message.sender_name} <{sender}>"
    lines = [("De", sender), ("À", ", ".join(message.recipients) or "-")]
    if message.cc:
        lines.append(("Cc", ", ".join(message.cc)))
    date = message.date.strftime("%d/%m/%Y %H:%M") if message.date else "-"
    lines += [("Date", date), ("Objet", message.subject or "(sans objet)")]
    if message.attachments:
        names = ", ".join(attachment.filename for attachment in message.attachments)
        lines.append(("Pièces jointes", names))
    return lines


def render_text(message: Mail) -> bytes:
    head = "\n".join(f"{label} : {value}" for label, value in header_lines(message))
    return f"{head}\n\n{message.text}\n".encode()


def render_pdf(message: Mail) -> bytes:
    """``invariant``: the same message always gives the same bytes, so filing it again after
    an interruption finds the document already filed."""
    regular, bold = _fonts()
    styles = getSampleStyleSheet()
    head = styles["BodyText"].clone("mailhead", fontName=regular)
    body = styles["Code"].clone("mailbody", fontName=regular, fontSize=10, leading=13)
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        invariant=True,
        title=message.subject or "Courriel",
        leftMargin=18 * mm,
        rightMargin=18 * mm,
    )
    story: list = [
        Paragraph(f'<font name="{bold}">{escape(label)}</font> : {escape(value)}', head)
        for label, value in header_lines(message)
    ]
    story += [Spacer(1, 3 * mm), HRFlowable(width="100%"), Spacer(1, 3 * mm)]
    story += [Preformatted(_wrapped(message.text), body)]
    doc.build(story)
    return out.getvalue()


def _wrapped(text: str, width: int = 95) -> str:
    """Preformatted keeps the lines of the message; long lines are cut at word boundaries."""
    lines = []
    for line in text.splitlines() or [""]:
        while len(line) > width:
            cut = line.rfind(" ", 0, width)
            cut = cut if cut > 0 else width
            lines.append(line[:cut])
            line = line[cut:].lstrip()
        lines.append(line)
    return "\n".join(lines)
