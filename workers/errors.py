"""Errors that decide how a job ends."""

from ged.errors import GedError


class TransientFailure(GedError):
    """The work could not be done now (OpenSearch or Redis down): RQ retries it with backoff,
    and recovery picks it up again if the retries run out."""
