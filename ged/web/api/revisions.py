"""Documents as conditional-request resources: their ETag is their revision, quoted, and a
change sent with If-Match applies only to the revision it names (ged.services.revisions)."""

from __future__ import annotations

from ged.services.revisions import Revised, document_etag, revision_from_etag
from ged.web.api.schemas.common import Preconditions

#: the ``ETag`` header, as the OpenAPI description declares it
ETAG = {
    "ETag": {
        "description": "the document's revision, quoted: send it back in If-Match",
        "schema": {"type": "string"},
    }
}


def with_etag(answer: Revised) -> tuple[Revised, int, dict[str, str]]:
    return answer, 200, {"ETag": document_etag(answer)}


def expected_revision(preconditions: Preconditions) -> int | None:
    if preconditions.if_match is None:
        return None
    return revision_from_etag(preconditions.if_match)
