"""The two audit streams, as the CNIL and NF Z42-013 both require, and which action goes where.

- The access log: who read, searched or logged in. Personal data kept for security
  only, so purged after ``[audit] access_retention_days`` (the CNIL recommends six
  months to a year of access traces) by ged.audit.purge.
- The lifecycle journal: what made a record what it is (creation, versions,
  metadata, access rights, holds, rules, disposal) and every administrative act.
  Kept as long as the records it describes: nothing ever purges it.

An action is in the access log only if it is listed in ACCESS_ACTIONS; any other,
including one added later and forgotten here, goes to the lifecycle journal: keeping
an event too long is a fault one can correct, purging the proof of a change is not.

Each stream is a hash chain of its own (its own seq from 1, its own checkpoints).
The lifecycle journal continues the chain ged kept before there were two streams,
in the same format, so that every event and checkpoint of that past verifies as it
always did; the access log's events and checkpoints also name their stream in what
is hashed and signed, so an event or a checkpoint moved from one stream to the other
no longer matches.
"""

from __future__ import annotations

from ged.models import ACCESS, LIFECYCLE, STREAMS

#: the actions of the access log: reading documents, lists and the audit log itself,
#: searching, signing in and out (and failing to), token uses, refused accesses
ACCESS_ACTIONS = frozenset(
    {
        "login",
        "login.failed",
        "login.second_factor.failed",
        "recovery_code.use",
        "logout",
        "session.end",
        "oidc.login.failed",
        "oidc.logout.failed",
        "token.use",
        "access.denied",
        "search",
        "document.list",
        "document.view",
        "document.preview",
        "document.download",
        "document.text",
        "document.versions",
        "document.similar",
        "note.list",
        "saved_search.list",
        "acl.view",
        "audit.events",
        "audit.export",
        "audit.verify",
        "transfer.download",
    }
)

#: how people call each stream (messages of verification and the command line)
STREAM_NAMES = {LIFECYCLE: "lifecycle journal", ACCESS: "access log"}

__all__ = ["ACCESS", "ACCESS_ACTIONS", "LIFECYCLE", "STREAMS", "STREAM_NAMES", "stream_of"]


def stream_of(action: str) -> str:
    """The stream an action's event goes to: the lifecycle journal unless it is an access."""
    return ACCESS if action in ACCESS_ACTIONS else LIFECYCLE
