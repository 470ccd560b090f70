"""Domain errors. The web layer maps them to problem+json in one place, the CLI to one line."""


class GedError(Exception):
    """Base of every error ged raises on purpose; its message is meant for people."""


class ConfigError(GedError):
    """The configuration is invalid: the message names the key and where it came from."""


class ServiceUnavailable(GedError):
    """A dependency (database, blob store, OpenSearch, Redis) does not answer."""

    def __init__(self, service: str, detail: str) -> None:
        super().__init__(f"{service} is unavailable: {detail}")
        self.service = service
        self.detail = detail


class NotFound(GedError):
    """The object does not exist, or the caller may not know that it does (answered 404)."""


class Gone(GedError):
    """The object existed and was deleted: answered 410, saying how to get it back if one can."""


class DocumentDestroyed(Gone):
    """The document was destroyed after a disposal visa: only its tombstone remains."""

    def __init__(self, document_id: int, tombstone: dict) -> None:
        super().__init__(
            f"document {document_id} was destroyed on {tombstone['destroyed_at']} under "
            f"disposal list {tombstone['disposal_list']}; its tombstone says what it was"
        )
        self.document_id = document_id
        self.tombstone = tombstone


class DocumentNotFound(NotFound):
    def __init__(self, document_id: int) -> None:
        super().__init__(f"document {document_id} does not exist")
        self.document_id = document_id


class VersionNotFound(NotFound):
    def __init__(self, document_id: int, number: int) -> None:
        super().__init__(f"document {document_id} has no version {number}")


class PermissionDenied(GedError):
    """The caller may see the object but not do this to it (answered 403). ``rule`` names
    the line of ged.access.RULES (or the document permission) that refused it."""

    def __init__(self, message: str, rule: str | None = None) -> None:
        super().__init__(message)
        self.rule = rule


class InvalidInput(GedError):
    """The request is understood but a value is wrong (answered 400); ``field`` names it."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.field = field


class Conflict(GedError):
    """The request contradicts the current state (answered 409)."""


class ConcurrentChange(Conflict):
    """Two changes of the same document met and this one could not be applied on top of
    the other (the database found the row changed or gone since it was read)."""

    def __init__(self) -> None:
        super().__init__(
            "the document was changed by someone else at the same time; read it again and retry"
        )


class PreconditionFailed(GedError):
    """The caller acted on a revision of a document that is no longer its current one
    (answered 412): someone changed it since the caller read it."""

    def __init__(self, document_id: int, expected_revision: int, current_revision: int) -> None:
        super().__init__(
            f"document {document_id} changed since you read it (you read revision "
            f"{expected_revision}, it is now at revision {current_revision}); read it again, "
            "then make your change on what it is now"
        )
        self.document_id = document_id
        self.expected_revision = expected_revision
        self.current_revision = current_revision


class TooLarge(GedError):
    """The upload exceeds the configured limit (answered 413)."""
