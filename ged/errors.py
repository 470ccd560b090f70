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


class TooLarge(GedError):
    """The upload exceeds the configured limit (answered 413)."""
