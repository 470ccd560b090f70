"""The PDF of a disposal certificate, for people to read, print and file: in French, every
document with its digests, the rule, who proposed, who approved, when. The signed JSON is
the original; the PDF names its key and signature and says how to verify it."""

from __future__ import annotations

import io
import json
from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import getSampleStyleSheet
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

_OUTCOMES = {"destroyed": "détruit", "skipped": "conservé"}


def render_pdf(certificate: dict[str, Any], signed: bytes) -> bytes:
    """``invariant``: no creation date or random id, so the same certificate gives the same
    bytes (a resumed execution stores the same file)."""
    styles = getSampleStyleSheet()
    small = styles["BodyText"].clone("small", fontSize=7, leading=8.5)
    out = io.BytesIO()
    listed = certificate["list"]
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        invariant=True,
        title=f"Certificat d'élimination - bordereau {listed['id']}",
        leftMargin=15 * mm,
        rightMargin=15 * mm,
    )
    signature = json.loads(signed)["signature"]

    def line(label: str, value: object) -> Paragraph:
        return Paragraph(
            f"<b>{escape(label)}</b> : {escape(str(value or '-'))}", styles["BodyText"]
        )

    story: list[Any] = [
        Paragraph("Certificat d'élimination", styles["Title"]),
        line("Organisme", certificate["organisation"]),
        line("Bordereau", f"n° {listed['id']} - {listed['title']}"),
        line("Proposé par", _who(listed["proposed_by"])),
        line("Proposé le", listed["proposed_at"]),
        line("Visa donné par", _who(listed["approved_by"])),
        line("Visa donné le", listed["approved_at"]),
        line("Commentaire du visa", listed["visa_comment"]),
        line("Éliminations achevées le", listed["executed_at"]),
        line(
            "Documents",
            f"{certificate['totals']['destroyed']} détruits, "
            f"{certificate['totals']['skipped']} conservés",
        ),
        Spacer(1, 4 * mm),
    ]
    rows: list[list[Any]] = [["N°", "Titre", "Sort", "Règle", "Empreintes SHA-256"]]
    for entry in certificate["documents"]:
        if entry["outcome"] == "destroyed":
            rule = entry["rule"]
            rule_text = f"{rule['reference'] or rule['id']} (v{rule['version']})"
            if "transfer" in entry:
                transfer = entry["transfer"]
                rule_text += (
                    f" - versé ({transfer['message_identifier']}, "
                    f"cote {transfer['archival_identifier']})"
                )
            digests = "<br/>".join(f"v{v['number']} {v['sha256']}" for v in entry["versions"])
        else:
            rule_text, digests = "", escape(entry.get("reason") or "")
        rows.append(
            [
                str(entry["document_id"]),
                Paragraph(escape(entry["title"]), small),
                _OUTCOMES.get(entry["outcome"], entry["outcome"]),
                Paragraph(escape(rule_text), small),
                Paragraph(digests, small),
            ]
        )
    table = Table(rows, colWidths=[12 * mm, 48 * mm, 16 * mm, 28 * mm, 76 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTSIZE", (0, 0), (-1, -1), 7),
                ("GRID", (0, 0), (-1, -1), 0.25, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.lightgrey),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [
        table,
        Spacer(1, 4 * mm),
        line("Clé de signature (Ed25519)", signature["key_id"]),
        Paragraph(f"Signature : {signature['value']}", small),
        Paragraph(
            "L'original signé est le certificat JSON ; il se vérifie hors ligne avec "
            "« ged audit verify --file certificat.json ».",
            styles["BodyText"],
        ),
    ]
    doc.build(story)
    return out.getvalue()


def _who(person: dict[str, str] | None) -> str:
    if not person:
        return "-"
    name = person.get("display_name") or ""
    return f"{name} ({person['username']})" if name else person["username"]
