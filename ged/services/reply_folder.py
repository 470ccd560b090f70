"""The archives' replies dropped into ``[archives] reply_folder``: each XML file is
recorded as a reply (``transfer_replies.record_reply``) by ``ged watch``, acting as the
reply folder (an archivist's right, under the actor name "reply-folder").

The folder behaves as every watched folder of ged (``ingest.watch``): a file is taken
once stable, claimed by a rename into .processing/, then moved to done/<day>/ once its
reply is committed, or to failed/ beside a ``.error.txt`` note saying why it was refused
and what to do. A reply already recorded byte for byte (dropped twice, or taken again
after a crash that followed its commit) goes to done/ without a second record.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.exc import InterfaceError, OperationalError

from ged.access import Principal
from ged.errors import Conflict, GedError, InvalidInput, NotFound, ServiceUnavailable
from ged.services.transfer_replies import record_reply, reply_recorded, sha256_of
from ged.uow import UnitOfWork
from ingest.watch import Filed, Postponed, Refused
from ingest.watch_files import Drop, FolderProblem, prepare_folder

#: how long a dropped reply must stay unchanged before it is read, and the rescan period
STABILITY_SECONDS = 5.0
POLL_SECONDS = 10.0

REPLY_FOLDER = Principal(
    user_id=None, username="reply-folder", role="archivist", group_ids=frozenset()
)

_ADVICE = {
    InvalidInput: (
        "ask the archives for their reply as a SEDA 2.2 ArchiveTransferReply (or an "
        "Acknowledgement) that validates against the schema; the reason says what is wrong"
    ),
    NotFound: "check that this reply is for a transfer made by this ged",
    Conflict: (
        "nothing to do if the archives already answered this transfer; otherwise see the "
        "transfer in ged"
    ),
}


def import_reply(uow: UnitOfWork, drop: Drop) -> Filed:
    """Record one claimed reply file; ``Filed`` names the transfer it answered."""
    try:
        xml = drop.path.read_bytes()
    except OSError as exc:
        raise Refused(
            f"the file cannot be read: {exc.strerror or exc}",
            "check its permissions: the account running ged watch must be able to read it",
        ) from None
    try:
        already = reply_recorded(uow, sha256_of(xml))
        if already is not None:
            return Filed(already.id)
        return Filed(record_reply(uow, REPLY_FOLDER, xml).transfer.id)
    except (ServiceUnavailable, OperationalError, InterfaceError, OSError) as exc:
        raise Postponed(str(getattr(exc, "orig", None) or exc).strip()) from exc
    except GedError as exc:
        advice = next(
            (text for kind, text in _ADVICE.items() if isinstance(exc, kind)),
            "ask the administrator; the reason above says what ged refused",
        )
        raise Refused(str(exc), advice) from exc


def reply_folder_problem(path: Path) -> str | None:
    """Why the reply folder cannot be watched, in one line naming it; None when it can."""
    try:
        prepare_folder(path, ())
    except FolderProblem as exc:
        return f"reply folder ([archives] reply_folder): {exc}"
    return None
