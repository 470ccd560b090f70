"""The functional mailboxes' servers: IMAP (``imaplib``) to read and settle messages, SMTP
(``smtplib``) to send acknowledgements. Every failure of either is ServiceUnavailable
(transient: the server is down, refuses the login, times out), retried later by ged mail.

Messages are never deleted: a message taken is moved to the account's processed folder
(UID MOVE, or COPY where the server lacks MOVE) or, with ``after = "flag"``, left in place
with the account's keyword. Either way it carries the keyword, which the search excludes.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import smtplib
import ssl
from email.message import EmailMessage
from pathlib import Path

from ged.errors import GedError, ServiceUnavailable
from ged.mail_settings import AcknowledgementSettings, MailAccount

#: keyword put on a message that cannot be filed: a person reads it in their mail client
FAILED_KEYWORD = "$GedFailed"
_UIDVALIDITY = re.compile(rb"UIDVALIDITY (\d+)")


class MailRefused(GedError):
    """The SMTP server refused the message for good (a 5xx answer: no such recipient, a
    sender it does not relay for): sending it again would not help."""


def _tls_context(ca_file: Path | None) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=str(ca_file) if ca_file else None)


@contextlib.contextmanager
def _translated(server: str):
    try:
        yield
    except (imaplib.IMAP4.error, smtplib.SMTPException, OSError) as exc:
        raise ServiceUnavailable(f"mail server {server}", str(exc) or type(exc).__name__) from None


class Mailbox:
    """One IMAP session on an account's folder, selected read-write."""

    def __init__(self, account: MailAccount) -> None:
        self.account = account
        self._where = f"{account.server}:{account.imap_port}"
        self.uidvalidity = 0
        self._can_move = False
        with _translated(self._where):
            self._imap = self._connect()
            try:
                self._open()
            except BaseException:
                with contextlib.suppress(Exception):
                    self._imap.shutdown()
                raise

    def _connect(self) -> imaplib.IMAP4:
        account = self.account
        context = _tls_context(account.ca_file)
        if account.tls == "ssl":
            return imaplib.IMAP4_SSL(
                account.server, account.imap_port, ssl_context=context, timeout=account.timeout
            )
        imap = imaplib.IMAP4(account.server, account.imap_port, timeout=account.timeout)
        imap.starttls(ssl_context=context)
        return imap

    def _open(self) -> None:
        account = self.account
        self._imap.login(account.username, account.secret())
        # Servers announce more once logged in (Dovecot: MOVE) than in their greeting.
        _status, data = self._imap.capability()
        self._can_move = b"MOVE" in (data[0] or b"").upper().split()
        if account.after == "move":
            # NO when it exists already: either way it is there afterwards.
            self._imap.create(_quoted(account.processed_folder))
        status, data = self._imap.select(_quoted(account.folder))
        if status != "OK":
            raise imaplib.IMAP4.error(f"folder {account.folder!r}: {_said(data)}")
        status, data = self._imap.status(_quoted(account.folder), "(UIDVALIDITY)")
        found = _UIDVALIDITY.search(data[0] or b"") if status == "OK" and data else None
        if found is None:
            raise imaplib.IMAP4.error(f"folder {account.folder!r} has no UIDVALIDITY")
        self.uidvalidity = int(found.group(1))

    def waiting(self) -> list[int]:
        """UIDs of the messages not taken yet (without ged's keywords), oldest first."""
        query = f"UNKEYWORD {self.account.flag} UNKEYWORD {FAILED_KEYWORD}"
        data = self._command("SEARCH", None, query)
        return sorted(int(uid) for uid in (data[0] or b"").split())

    def fetch(self, uid: int) -> bytes | None:
        """The message's bytes, unchanged (PEEK: it stays unread); None when it is gone."""
        data = self._command("FETCH", str(uid), "(BODY.PEEK[])")
        for item in data:
            if isinstance(item, tuple):
                return item[1]
        return None

    def settle(self, uid: int) -> None:
        """Mark the message taken and, unless the account keeps them in place, move it."""
        self._command("STORE", str(uid), "+FLAGS.SILENT", f"({self.account.flag})")
        if self.account.after == "flag":
            return
        target = _quoted(self.account.processed_folder)
        if self._can_move:
            self._command("MOVE", str(uid), target)
        else:  # the copy carries the keyword; the original stays, excluded by waiting()
            self._command("COPY", str(uid), target)

    def mark_failed(self, uid: int) -> None:
        self._command("STORE", str(uid), "+FLAGS.SILENT", f"({FAILED_KEYWORD})")

    def _command(self, command: str, *args: str | None) -> list:
        with _translated(self._where):
            status, data = self._imap.uid(command, *args)
            if status != "OK":
                raise imaplib.IMAP4.error(f"UID {command}: {_said(data)}")
        return data

    def close(self) -> None:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            self._imap.logout()


def _quoted(folder: str) -> str:
    return '"' + folder.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _said(data: list) -> str:
    return b" ".join(item for item in data if isinstance(item, bytes)).decode(errors="replace")


def send_mail(settings: AcknowledgementSettings, message: EmailMessage) -> None:
    """Send one message through the configured SMTP server."""
    where = f"{settings.smtp_host}:{settings.port}"
    context = _tls_context(settings.ca_file)
    with _translated(where):
        if settings.smtp_tls == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                settings.smtp_host, settings.port, timeout=settings.timeout, context=context
            )
        else:
            smtp = smtplib.SMTP(settings.smtp_host, settings.port, timeout=settings.timeout)
        with smtp:
            if settings.smtp_tls == "starttls":
                smtp.starttls(context=context)
            if settings.username:
                smtp.login(settings.username, settings.secret())
            try:
                smtp.send_message(message)
            except (
                smtplib.SMTPRecipientsRefused,
                smtplib.SMTPSenderRefused,
                smtplib.SMTPDataError,
            ) as exc:
                code, said = _refusal(exc)
                if code < 500:
                    raise
                raise MailRefused(f"the SMTP server refused it: {code} {said}") from None


def _refusal(exc: smtplib.SMTPException) -> tuple[int, str]:
    """The code and text of a refusal (the first recipient's, when recipients were refused)."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        code, said = next(iter(exc.recipients.values()))
    else:
        code, said = exc.smtp_code, exc.smtp_error  # type: ignore[attr-defined]
    text = said.decode(errors="replace") if isinstance(said, bytes) else str(said)
    return int(code), text
