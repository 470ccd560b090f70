"""``[mail]``: functional mailboxes read over IMAP (``[[mail.accounts]]``) and the
acknowledgement of receipt sent to their senders over SMTP (``[mail.acknowledgement]``).

Read by ``ged mail`` (ged.mail); ``ged.config`` assembles them into the settings.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from ged.config_sections import FilingDefaults, Section
from ged.errors import ConfigError

#: what the templates of the acknowledgement may name
TEMPLATE_FIELDS = ("reference", "date", "subject", "sender", "account")

DEFAULT_SUBJECT = "Accusé de réception : {subject}"
DEFAULT_BODY = """\
Bonjour,

Nous accusons réception de votre envoi du {date}, intitulé « {subject} ».
Il a été enregistré sous la référence {reference}.

Ce message est envoyé automatiquement : merci de ne pas y répondre.
"""


def _secret(value: str, file: Path | None, key: str) -> str:
    if file is None:
        return value
    try:
        lines = file.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise ConfigError(f"{key}: cannot read it ({exc})") from None
    return lines[0].strip() if lines else ""


def _empty_is_none(value: Any) -> Any:
    return None if value == "" else value


class MailAccount(FilingDefaults):
    """One functional mailbox (courrier@, urbanisme@…), filed like a watched folder."""

    #: how logs, counters and the record of messages taken name the account
    name: str = Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.@-]+$")
    server: str = Field(min_length=1)
    #: 0: the usual port of the TLS mode (143 for starttls, 993 for ssl)
    port: int = Field(0, ge=0, le=65535)
    tls: Literal["starttls", "ssl"] = "ssl"
    #: certificates (PEM) the server's must chain to; empty: the system's
    ca_file: Path | None = None
    username: str = Field(min_length=1)
    password: str = ""
    #: a file whose first line is the password, to keep it out of this file
    password_file: Path | None = None
    folder: str = Field("INBOX", min_length=1)
    #: "move": taken messages go to processed_folder; "flag": they stay, with the flag
    after: Literal["move", "flag"] = "move"
    processed_folder: str = Field("Traites-GED", min_length=1)
    flag: str = Field("$GedFiled", pattern=r"^\$?[A-Za-z0-9_-]+$")
    #: the body is a document and each attachment a linked one, or the attachments only
    mode: Literal["body_and_attachments", "attachments_only"] = "body_and_attachments"
    #: the body filed as a PDF (headers at the top) or as plain text
    body_as: Literal["pdf", "text"] = "pdf"
    #: answer the sender with the acknowledgement of [mail.acknowledgement], when enabled there
    acknowledge: bool = True
    poll_seconds: float = Field(60.0, gt=0)
    #: seconds the server has to answer one command
    timeout: float = Field(30.0, gt=0, le=600)

    _no_file = field_validator("ca_file", "password_file", mode="before")(_empty_is_none)

    @field_validator("folder", "processed_folder")
    @classmethod
    def _ascii_folder(cls, value: str) -> str:
        # IMAP names other folders in modified UTF-7, which ged does not write.
        if not value.isascii() or any(c in value for c in '"\\\r\n'):
            raise ValueError(
                f"{value!r}: folder names must be plain ASCII, without quotes or backslashes "
                "(write Traites rather than Traités)"
            )
        return value

    @property
    def imap_port(self) -> int:
        return self.port or (143 if self.tls == "starttls" else 993)

    def secret(self) -> str:
        return _secret(
            self.password, self.password_file, f"mail.accounts {self.name}: password_file"
        )


class AcknowledgementSettings(Section):
    """The accusé de réception owed for electronic submissions, sent through SMTP."""

    enabled: bool = False
    smtp_host: str = "127.0.0.1"
    #: 0: the usual port of the TLS mode (25 for none and starttls, 465 for ssl)
    smtp_port: int = Field(0, ge=0, le=65535)
    smtp_tls: Literal["none", "starttls", "ssl"] = "starttls"
    ca_file: Path | None = None
    username: str = ""
    password: str = ""
    password_file: Path | None = None
    #: the From of the acknowledgement, e.g. "Mairie de Trifouilly <courrier@trifouilly.fr>"
    sender: str = ""
    #: templates; {reference} (the ged references), {date}, {subject}, {sender}, {account}
    subject: str = Field(DEFAULT_SUBJECT, min_length=1)
    body: str = Field(DEFAULT_BODY, min_length=1)
    timeout: float = Field(30.0, gt=0, le=600)

    _no_file = field_validator("ca_file", "password_file", mode="before")(_empty_is_none)

    @field_validator("subject", "body")
    @classmethod
    def _known_fields(cls, value: str) -> str:
        try:
            value.format(**dict.fromkeys(TEMPLATE_FIELDS, ""))
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"the template names {exc} which is not one of {', '.join(TEMPLATE_FIELDS)} "
                "(write {{ and }} for braces)"
            ) from None
        return value

    @model_validator(mode="after")
    def _complete(self) -> AcknowledgementSettings:
        if self.enabled and not self.sender:
            raise ValueError("sender is required when acknowledgements are enabled")
        return self

    @property
    def port(self) -> int:
        return self.smtp_port or (465 if self.smtp_tls == "ssl" else 25)

    def secret(self) -> str:
        return _secret(self.password, self.password_file, "mail.acknowledgement.password_file")


class MailSettings(Section):
    accounts: tuple[MailAccount, ...] = ()
    acknowledgement: AcknowledgementSettings = AcknowledgementSettings()

    @field_validator("accounts")
    @classmethod
    def _unique_names(cls, value: tuple[MailAccount, ...]) -> tuple[MailAccount, ...]:
        names = [account.name for account in value]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"account names must be unique: {', '.join(twice)} given twice")
        return value

    def resolved(self, absolute: Callable[[Path], Path]) -> MailSettings:
        """The same settings with their files' paths made absolute."""

        def files(section: Any) -> Any:
            update = {
                key: absolute(getattr(section, key))
                for key in ("ca_file", "password_file")
                if getattr(section, key) is not None
            }
            return section.model_copy(update=update)

        return self.model_copy(
            update={
                "accounts": tuple(files(account) for account in self.accounts),
                "acknowledgement": files(self.acknowledgement),
            }
        )
