"""A functional mailbox for tests: a folder of its own on the real Dovecot of
scripts/services.py, messages delivered by IMAP APPEND, the station account in a migrated
database, and real ``ged mail`` processes reading it (killed at the end of the test)."""

from __future__ import annotations

import imaplib
import io
import json
import ssl
import subprocess
import uuid
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path

from pypdf import PdfWriter
from reportlab.pdfgen.canvas import Canvas
from sqlalchemy import select
from sqlalchemy.orm import Session

from ged.config import Settings
from ged.db import make_engine, make_session_factory
from ged.models import Document, DocumentLink, MailMessage, User
from tests.migrated import migrate
from tests.processes import ged_environment, kill_group, spawn_ged, wait_until

STATION = "courriel"


class Imap:
    """The test's own IMAP session, as a mail client would have (STARTTLS, the test CA)."""

    def __init__(self, urls: dict) -> None:
        context = ssl.create_default_context(cafile=urls["imap_ca_file"])
        self.client = imaplib.IMAP4(urls["imap_host"], urls["imap_port"], timeout=30)
        self.client.starttls(ssl_context=context)
        self.client.login(urls["imap_username"], urls["imap_password"])

    def create(self, folder: str) -> None:
        assert self.client.create(folder)[0] == "OK"

    def deliver(self, folder: str, message: bytes | EmailMessage) -> None:
        raw = message.as_bytes() if isinstance(message, EmailMessage) else message
        status, data = self.client.append(folder, None, None, raw)
        assert status == "OK", data

    def messages(self, folder: str) -> list[tuple[bytes, bytes]]:
        """(flags, bytes) of every message in the folder, oldest first."""
        status, _ = self.client.select(folder, readonly=True)
        if status != "OK":
            return []
        _, data = self.client.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[])")
        found = [item for item in data if isinstance(item, tuple)]
        self.client.close()
        return [(head, body) for head, body in found]

    def logout(self) -> None:
        self.client.logout()


def a_pdf(text: str) -> bytes:
    out = io.BytesIO()
    canvas = Canvas(out, invariant=True)
    canvas.drawString(72, 720, text)
    canvas.save()
    return out.getvalue()


def an_encrypted_pdf(text: str) -> bytes:
    writer = PdfWriter(clone_from=io.BytesIO(a_pdf(text)))
    writer.encrypt(user_password="secret", owner_password="mairie", algorithm="AES-256")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def a_zip(name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(name, content)
    return out.getvalue()


def a_message(
    subject: str, sender: str = "Jeanne Martin <jeanne.martin@exemple.fr>", **attachments: bytes
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "courrier@mairie.exemple.fr"
    message["Subject"] = subject
    message["Date"] = "Thu, 03 Dec 2026 09:30:00 +0100"
    message["Message-ID"] = f"<{uuid.uuid4().hex}@exemple.fr>"
    message.set_content(f"Bonjour,\nveuillez trouver ma demande : {subject}.\nJeanne Martin")
    for filename, content in attachments.items():
        kind = {"pdf": "application/pdf", "zip": "application/zip"}.get(
            filename.rsplit(".", 1)[-1], "application/octet-stream"
        )
        maintype, subtype = kind.split("/")
        message.add_attachment(content, maintype=maintype, subtype=subtype, filename=filename)
    return message


@dataclass
class Mailroom:
    settings: Settings
    imap: Imap
    account: dict
    log: Path
    acknowledgement: dict = field(default_factory=dict)
    processes: list[subprocess.Popen] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.engine = make_engine(self.settings.database)

    @property
    def folder(self) -> str:
        return self.account["folder"]

    @property
    def processed(self) -> str:
        return self.account["processed_folder"]

    def deliver(self, *messages: bytes | EmailMessage) -> None:
        for message in messages:
            self.imap.deliver(self.folder, message)

    def environment(self, **env: str) -> dict[str, str]:
        return ged_environment(
            self.settings,
            GED_MAIL__ACCOUNTS=json.dumps([self.account]),
            GED_MAIL__ACKNOWLEDGEMENT=json.dumps(self.acknowledgement),
            GED_LOGGING__LEVEL="INFO",
            **env,
        )

    def start(self, command: str = "mail", **env: str) -> subprocess.Popen:
        process = spawn_ged([command], self.environment(**env), self.log)
        self.processes.append(process)
        return process

    def wait_for(self, condition: Callable[[], object], what: str, timeout: float = 60) -> None:
        """Fails at once, with the log, if ged mail died."""

        def done() -> bool:
            assert self.processes[-1].poll() is None, self.log_text()
            return bool(condition())

        wait_until(done, timeout, what, every=0.2)

    def log_text(self) -> str:
        return self.log.read_text() if self.log.exists() else ""

    def session(self) -> Session:
        return make_session_factory(self.engine)()

    def records(self) -> list[MailMessage]:
        with self.session() as session:
            rows = session.scalars(select(MailMessage).order_by(MailMessage.id)).all()
            session.expunge_all()
            return list(rows)

    def settled(self, count: int) -> bool:
        records = self.records()
        return len(records) == count and all(r.state != "filed" for r in records)

    def documents(self) -> dict[int, str]:
        """Document id -> title."""
        with self.session() as session:
            return {
                row.id: row.title for row in session.execute(select(Document.id, Document.title))
            }

    def links(self) -> set[tuple[int, int]]:
        with self.session() as session:
            query = select(DocumentLink.source_id, DocumentLink.target_id)
            return {(row.source_id, row.target_id) for row in session.execute(query)}


def build_mailroom(
    settings_for: Callable[..., Settings],
    directory: Path,
    urls: dict,
    acknowledgement: dict | None = None,
    **overrides: object,
) -> Mailroom:
    """A new folder on the server, an account reading it, the station account."""
    folder = f"test-{uuid.uuid4().hex[:12]}"
    account = {
        "name": "courrier",
        "server": urls["imap_host"],
        "port": urls["imap_port"],
        "tls": "starttls",
        "ca_file": urls["imap_ca_file"],
        "username": urls["imap_username"],
        "password": urls["imap_password"],
        "folder": folder,
        "processed_folder": f"{folder}-traites",
        "station": STATION,
        "poll_seconds": 0.5,
        "timeout": 10,
        **overrides,
    }
    settings = settings_for(mail={"accounts": json.dumps([account])})
    migrate(settings.database.url)
    imap = Imap(urls)
    imap.create(folder)
    room = Mailroom(settings, imap, account, directory / "mail.log", acknowledgement or {})
    with room.session() as session:
        session.add(User(username=STATION, role="station", password_hash=None))
        session.commit()
    return room


def close_mailroom(room: Mailroom) -> None:
    for process in room.processes:
        kill_group(process)  # `ged up`'s children too
    room.imap.logout()
    room.engine.dispose()
