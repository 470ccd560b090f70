"""Reading e-mail messages into plain data, and their bodies as PDF or text."""

from __future__ import annotations

import io
from email.message import EmailMessage

import pytest
from pypdf import PdfReader

from ingest.mail import UnreadableMessage, acknowledgement_refusal, parse_message
from ingest.mail_render import render_pdf, render_text


def letter(**headers: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = headers.pop("From", "Jeanne Martin <jeanne.martin@exemple.fr>")
    message["To"] = "courrier@mairie.fr"
    message["Subject"] = "Demande d'acte de naissance"
    message["Date"] = "Thu, 03 Dec 2026 10:15:00 +0100"
    message["Message-ID"] = "<abc@exemple.fr>"
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Bonjour,\nje sollicite un acte de naissance.\nCordialement")
    return message


def test_headers_body_and_attachments_nested_in_a_forwarded_message_are_read():
    message = letter(Cc="etat-civil@mairie.fr")
    message.add_attachment(
        b"%PDF-1.4 plan", maintype="application", subtype="pdf", filename="plan.pdf"
    )
    forwarded = EmailMessage()
    forwarded["Subject"] = "Tr: justificatif"
    forwarded.set_content("voir la pièce jointe")
    forwarded.add_attachment(b"ID", maintype="image", subtype="png", filename="identite.png")
    message.add_attachment(forwarded)

    mail = parse_message(message.as_bytes())

    assert (mail.sender, mail.sender_name) == ("jeanne.martin@exemple.fr", "Jeanne Martin")
    assert (mail.recipients, mail.cc) == (("courrier@mairie.fr",), ("etat-civil@mairie.fr",))
    assert mail.subject == "Demande d'acte de naissance"
    assert mail.date is not None and mail.date.isoformat() == "2026-12-03T10:15:00+01:00"
    assert mail.message_id == "<abc@exemple.fr>"
    assert mail.text.startswith("Bonjour,\nje sollicite")
    assert [(a.filename, a.content, a.mime_type) for a in mail.attachments] == [
        ("plan.pdf", b"%PDF-1.4 plan", "application/pdf"),
        ("identite.png", b"ID", "image/png"),
    ]
    assert acknowledgement_refusal(mail) is None


def test_an_html_only_body_is_read_as_its_text():
    message = EmailMessage()
    message["From"] = "a@exemple.fr"
    message.set_content(
        "<html><head><style>p{}</style></head><body><p>Bonjour&nbsp;Madame,</p>"
        "<p>votre <b>dossier</b> est complet.</p></body></html>",
        subtype="html",
    )
    assert parse_message(message.as_bytes()).text == "Bonjour Madame,\n\nvotre dossier est complet."


def test_attachment_names_are_made_acceptable_as_file_names():
    message = letter()
    message.add_attachment(
        b"a", maintype="application", subtype="octet-stream", filename="C:\\tmp\\x\x07.pdf"
    )
    message.add_attachment(b"b", maintype="application", subtype="pdf", disposition="attachment")
    message.add_attachment(b"c", maintype="text", subtype="plain", filename="n" * 300 + ".txt")
    names = [a.filename for a in parse_message(message.as_bytes()).attachments]
    assert names[:2] == ["x.pdf", "piece-jointe-2.pdf"]
    assert len(names[2]) == 180 and names[2].endswith(".txt")


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"From": "noreply@impots.gouv.fr"}, "the sender does not take replies"),
        ({"From": "ne-pas-repondre@ants.gouv.fr"}, "the sender does not take replies"),
        ({"From": "MAILER-DAEMON@mx.exemple.fr"}, "the sender does not take replies"),
        ({"Auto_Submitted": "auto-replied"}, "the message was sent automatically"),
        ({"Precedence": "bulk"}, "the message was sent automatically"),
        ({"List_Id": "<infos.exemple.fr>"}, "the message was sent automatically"),
        ({"From": "undisclosed-recipients:;"}, "the message has no sender"),
    ],
)
def test_robots_and_messages_without_a_sender_are_not_answered(headers, reason):
    assert acknowledgement_refusal(parse_message(letter(**headers).as_bytes())) == reason


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\r\n\r\njust a body"])
def test_bytes_that_are_not_a_message_are_unreadable(raw):
    with pytest.raises(UnreadableMessage):
        parse_message(raw)


def test_an_unknown_charset_is_read_as_utf8_with_replacements():
    raw = (
        b"From: a@exemple.fr\r\nSubject: x\r\nContent-Type: text/plain; charset=x-inconnu\r\n"
        b"\r\ncaf\xc3\xa9 \xff\r\n"
    )
    assert parse_message(raw).text == "café \ufffd"


def test_the_body_as_pdf_has_the_headers_in_french_and_is_the_same_every_time():
    message = letter()
    message.add_attachment(b"%PDF", maintype="application", subtype="pdf", filename="plan.pdf")
    mail = parse_message(message.as_bytes())
    pdf = render_pdf(mail)
    assert pdf == render_pdf(mail)
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    for expected in (
        "De : Jeanne Martin <jeanne.martin@exemple.fr>",
        "À : courrier@mairie.fr",
        "Date : 03/12/2026 10:15",
        "Objet : Demande d'acte de naissance",
        "Pièces jointes : plan.pdf",
        "je sollicite un acte de naissance.",
    ):
        assert expected in text
    assert render_text(mail).decode().startswith("De : Jeanne Martin")


def test_the_body_as_pdf_writes_cyrillic_and_greek_letters_too():
    message = letter()
    del message["Subject"]
    message["Subject"] = "Заявление"
    message.set_content("Παρακαλώ, œuvre, 12 €")
    text = (
        PdfReader(io.BytesIO(render_pdf(parse_message(message.as_bytes())))).pages[0].extract_text()
    )
    assert "Objet : Заявление" in text and "Παρακαλώ, œuvre, 12 €" in text
