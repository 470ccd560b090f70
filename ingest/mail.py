"""Reading one e-mail message (RFC 5322, as an IMAP server hands it over) into plain data:
who sent it to whom and when, its subject, its body as text, and its attachments — also
those of the messages forwarded inside it — each with its bytes and file name.

Standard library only (``email`` with ``policy.default``); nothing here knows ged.
"""

from __future__ import annotations

import email
import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from email import policy
from email.message import EmailMessage, Message
from email.utils import getaddresses, parseaddr, parsedate_to_datetime
from html.parser import HTMLParser

#: local parts of addresses that must never be answered (RFC 3834 and common usage)
NO_REPLY = re.compile(
    r"^(no-?reply|do-?not-?reply|ne-?pas-?repondre|mailer-daemon|postmaster|bounces?)([+._-].*)?$",
    re.IGNORECASE,
)


class UnreadableMessage(Exception):
    """The bytes are not a message that can be read: filing it again will not help."""


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    mime_type: str


@dataclass(frozen=True)
class Mail:
    message_id: str
    subject: str
    #: the sender's address (empty when the message has none) and display name
    sender: str
    sender_name: str
    recipients: tuple[str, ...]
    cc: tuple[str, ...]
    date: datetime | None
    #: the body as plain text (an HTML-only body with its markup removed)
    text: str
    attachments: tuple[Attachment, ...]
    #: sent by a program (Auto-Submitted, Precedence: bulk/list/junk, a list): not answered
    automatic: bool


def parse_message(raw: bytes) -> Mail:
    """The message in ``raw``; UnreadableMessage when it has neither headers nor a body."""
    if not raw.strip():
        raise UnreadableMessage("the message is empty")
    message = email.message_from_bytes(raw, policy=policy.default)
    if not isinstance(message, EmailMessage) or not message.keys():
        raise UnreadableMessage("the message has no headers")
    try:
        return _read(message)
    except (LookupError, ValueError, TypeError, AttributeError) as exc:
        raise UnreadableMessage(f"the message cannot be read: {exc}") from None


def acknowledgement_refusal(message: Mail) -> str | None:
    """Why the sender must not be answered, or None: replying to robots makes loops."""
    if not message.sender:
        return "the message has no sender"
    if message.automatic:
        return "the message was sent automatically"
    if NO_REPLY.match(message.sender.partition("@")[0]):
        return "the sender does not take replies"
    return None


def _read(message: EmailMessage) -> Mail:
    sender_name, sender = parseaddr(str(message.get("from", "")))
    body = message.get_body(preferencelist=("plain", "html"))
    attachments: list[Attachment] = []
    _collect(message, body, attachments)
    return Mail(
        message_id=str(message.get("message-id", "")).strip(),
        subject=" ".join(str(message.get("subject", "")).split()),
        sender=sender if "@" in sender else "",
        sender_name=sender_name,
        recipients=_addresses(message, "to"),
        cc=_addresses(message, "cc"),
        date=_date(message),
        text=_text(body) if body is not None else "",
        attachments=tuple(attachments),
        automatic=_automatic(message),
    )


def _collect(message: Message, body: Message | None, found: list[Attachment]) -> None:
    """Every attachment in the tree, depth first: walk() also enters forwarded messages
    (message/rfc822), whose attachments count, while their text, without a file name, does not."""
    for part in message.walk():
        if part is body or part.is_multipart():
            continue
        filename = part.get_filename()
        if filename is None and part.get_content_disposition() != "attachment":
            continue  # an alternative or related part of the body (the HTML of a text body)
        content = _payload(part)
        name = _clean_name(filename or "", len(found) + 1, part.get_content_type())
        found.append(Attachment(name, content, part.get_content_type()))


def _clean_name(filename: str, number: int, mime_type: str) -> str:
    """A name ged accepts as a file's: the last part of a path, without control
    characters, at most 180 characters long with its extension kept."""
    name = filename.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf"))
    name = name.replace("\ufffd", "_").strip()
    if len(name) > 180:
        stem, dot, extension = name.rpartition(".")
        name = (
            f"{stem[: 179 - len(extension)]}.{extension}"
            if dot and len(extension) < 10
            else name[:180]
        )
    if name and name not in (".", ".."):
        return name
    extension = {"application/pdf": ".pdf", "text/plain": ".txt"}.get(mime_type, ".bin")
    return f"piece-jointe-{number}{extension}"


def _addresses(message: EmailMessage, header: str) -> tuple[str, ...]:
    values = [str(value) for value in message.get_all(header, [])]
    return tuple(address for _name, address in getaddresses(values) if address)


def _date(message: EmailMessage) -> datetime | None:
    value = message.get("date")
    if value is None:
        return None
    try:
        return parsedate_to_datetime(str(value))
    except (TypeError, ValueError):
        return None


def _automatic(message: EmailMessage) -> bool:
    auto = str(message.get("auto-submitted", "no")).strip().lower()
    precedence = str(message.get("precedence", "")).strip().lower()
    return auto != "no" or precedence in ("bulk", "list", "junk") or "list-id" in message


def _payload(part: Message) -> bytes:
    """The part's bytes, its transfer encoding (base64, quoted-printable) undone."""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _text(part: Message) -> str:
    payload = _payload(part)
    try:
        text = part.get_content() if isinstance(part, EmailMessage) else None
    except (LookupError, UnicodeDecodeError):
        text = None  # an unknown charset: the bytes as UTF-8, what cannot be read replaced
    if not isinstance(text, str):
        text = payload.decode("utf-8", errors="replace")
    if part.get_content_subtype() == "html":
        text = _html_text(text)
    return text.replace("\r\n", "\n").strip()


class _HtmlText(HTMLParser):
    BREAKS = frozenset({"br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "table"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._hidden = 0

    def handle_starttag(self, tag: str, attrs: object) -> None:
        if tag in ("script", "style", "head"):
            self._hidden += 1
        elif tag in self.BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "head"):
            self._hidden = max(0, self._hidden - 1)
        elif tag in ("p", "div", "table"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._hidden:
            self.parts.append(data)


def _html_text(html: str) -> str:
    parser = _HtmlText()
    parser.feed(html)
    parser.close()
    lines = (" ".join(line.split()) for line in "".join(parser.parts).splitlines())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
