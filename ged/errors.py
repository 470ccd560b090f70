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
