"""Transfers to the archives (versements): proposing one, reading them, their package.

An archivist (``transfer.prepare``) proposes a transfer from the "à verser" queue: by ids,
the whole queue, or a search within it. Only a document whose retention period is over
under a rule ending in "transfer", not on hold, and on no other open transfer (building
or ready) goes in; a document asked for by id that may not is refused, with the reason.
The transfer is committed "building", and a worker writes its SEDA package
(ged.services.transfer_build). The archivist downloads it, deposits it with the archives,
then records their reply (ArchiveTransferReply, another module).
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from ged.access import Principal, authorize
from ged.audit.chain import record, record_access
from ged.errors import Conflict, Gone, InvalidInput, NotFound, PermissionDenied
from ged.models import Document, RetentionRule, Transfer, TransferItem
from ged.services.disposal_queues import due_documents
from ged.services.due_dates import with_rules
from ged.services.holds import held_document_ids
from ged.services.lost_jobs import requeue_lost
from ged.services.paging import Page, PageOf, paginate
from ged.services.pipeline import stale_after
from ged.services.selection import parse_selection, selected_documents
from ged.services.transfer_state import OPEN_TRANSFER_STATUSES, accepted_transfers
from ged.timeutil import today
from ged.uow import UnitOfWork

#: refusals listed in one error message; the count says how many more
_LISTED_REFUSALS = 10
_SELECTION_SHAPE = (
    'selection is {"ids": [1, 2, …]}, {"queue": "transfer"} or {"search": {"q", "filters"}}'
)


@dataclass(frozen=True)
class TransferRequest:
    """What an archivist asks for; versions and pdfa default to the [archives] settings."""

    title: str
    selection: Mapping[str, Any]
    comment: str = ""
    versions: str | None = None
    pdfa: bool | None = None


def propose_transfer(
    uow: UnitOfWork, principal: Principal, request: TransferRequest, *, enqueue: bool = True
) -> Transfer:
    """A new transfer, "building", its package queued for a worker (unless ``enqueue`` is
    false: the caller builds it at once, ged.services.transfer_build.run_transfer); audited
    ``transfer.propose``. InvalidInput names each document refused and why."""
    settings = uow.settings.archives
    require_proposer(uow, principal)
    title = request.title.strip()
    if not title:
        raise InvalidInput("give the transfer a title, e.g. 'Délibérations 2004-2010'", "title")
    versions = request.versions or settings.versions
    if versions not in ("current", "all"):
        raise InvalidInput('versions is "current" or "all"', field="versions")
    rules = _transferable(uow, _selected(uow, principal, request.selection))
    transfer = add_transfer(
        uow,
        principal,
        Transfer(
            title=title[:200],
            comment=request.comment,
            versions=versions,
            pdfa=settings.pdfa if request.pdfa is None else request.pdfa,
        ),
    )
    transfer.items = [
        TransferItem(
            document_id=document_id,
            retention_rule_id=rule_id,
            unit_identifier=unit_identifier(document_id),
        )
        for document_id, rule_id in rules
    ]
    record_proposal(
        uow,
        principal,
        transfer,
        versions=transfer.versions,
        pdfa=transfer.pdfa,
        documents=[document_id for document_id, _rule in rules],
    )
    transfer_id = transfer.id
    if enqueue:
        uow.after_commit(lambda: uow.jobs.enqueue_transfer(transfer_id))
    uow.commit()
    return transfer


def require_proposer(uow: UnitOfWork, principal: Principal) -> None:
    """The caller may propose a transfer (``transfer.prepare``, as a person) and the
    agencies every package names are configured."""
    authorize(principal, "transfer.prepare")
    if principal.user_id is None:
        raise PermissionDenied(
            "a person proposes a transfer: act as a user account (ged archives … --as NAME)",
            rule="transfer.prepare",
        )
    _require_agencies(uow)


def record_proposal(uow: UnitOfWork, principal: Principal, transfer: Transfer, **details) -> None:
    """The ``transfer.propose`` event of either kind, naming the message and its title."""
    record(
        uow.session,
        principal,
        "transfer.propose",
        object_type="transfer",
        object_id=transfer.id,
        details={
            "message_identifier": transfer.message_identifier,
            "title": transfer.title,
            **details,
        },
    )


def add_transfer(uow: UnitOfWork, principal: Principal, transfer: Transfer) -> Transfer:
    """Add a new transfer, "building", under the configured agreement, and give it its
    MessageIdentifier, <prefix>-<yyyymmdd>-<id> (its id is known once flushed)."""
    transfer.message_identifier = f"pending-{uuid.uuid4().hex}"
    transfer.archival_agreement = uow.settings.archives.archival_agreement
    assert principal.user_id is not None, "require_proposer refuses anyone else"
    transfer.created_by_id = principal.user_id
    transfer.progress_total = None
    uow.session.add(transfer)
    uow.session.flush()
    prefix = uow.settings.archives.message_prefix
    transfer.message_identifier = f"{prefix}-{uow.clock.now():%Y%m%d}-{transfer.id}"
    return transfer


def unit_identifier(document_id: int) -> str:
    """The document's ArchiveUnit id in the manifest (the archives' reply names it)."""
    return f"AU-{document_id}"


def read_transfer(uow: UnitOfWork, principal: Principal, transfer_id: int) -> Transfer:
    authorize(principal, "transfer.read")
    return get_transfer(uow, transfer_id)


@dataclass(frozen=True)
class TransferredDocument:
    item: TransferItem
    title: str


def transfer_documents(
    uow: UnitOfWork, principal: Principal, transfer_id: int
) -> list[TransferredDocument]:
    """The documents of a transfer with their titles, by document id: those who read
    transfers read what each one carries (as a disposal list's readers do); unaudited,
    as reading the transfer is."""
    authorize(principal, "transfer.read")
    rows = uow.session.execute(
        select(TransferItem, Document.title)
        .join(Document, Document.id == TransferItem.document_id)
        .where(TransferItem.transfer_id == transfer_id)
        .order_by(TransferItem.document_id)
    )
    return [TransferredDocument(item, title) for item, title in rows]


def list_transfers(
    uow: UnitOfWork, principal: Principal, status: str | None, page: Page
) -> PageOf[Transfer]:
    authorize(principal, "transfer.read")
    query = select(Transfer).order_by(Transfer.id.desc())
    if status is not None:
        query = query.where(Transfer.status == status)
    return paginate(uow.session, query, page)


def package_path(packages_dir: Path, message_identifier: str) -> Path:
    """Where a transfer's package is: named after its message, which is unique."""
    return packages_dir / f"{message_identifier}.zip"


def package_file(uow: UnitOfWork, principal: Principal, transfer_id: int) -> tuple[Path, str]:
    """The package of a built transfer and its download name; audited ``transfer.download``.
    Conflict while it is being built, Gone when it could not be or its file is missing."""
    authorize(principal, "transfer.read")
    transfer = get_transfer(uow, transfer_id)
    if transfer.status == "building":
        done, total = transfer.progress_done, transfer.progress_total
        progress = f" ({done}/{total} files written)" if total else ""
        raise Conflict(
            f"the package of transfer {transfer_id} is still being built{progress}: "
            "try again once its status is ready"
        )
    if transfer.status == "failed":
        raise Gone(
            f"the package of transfer {transfer_id} could not be built: {transfer.error} — "
            "propose the transfer again once this is fixed"
        )
    path = package_path(uow.settings.archives.packages_dir, transfer.message_identifier)
    if not path.is_file():
        raise Gone(
            f"the package file of transfer {transfer_id} is missing from "
            f"{uow.settings.archives.packages_dir}: it was moved or deleted"
        )
    record_access(
        uow.session,
        principal,
        "transfer.download",
        object_type="transfer",
        object_id=transfer_id,
        details={"sha256": transfer.package_sha256},
    )
    return path, path.name


def get_transfer(uow: UnitOfWork, transfer_id: int, *, lock: bool = False) -> Transfer:
    transfer = uow.session.get(Transfer, transfer_id, with_for_update=lock, populate_existing=lock)
    if transfer is None:
        raise NotFound(f"transfer {transfer_id} does not exist")
    return transfer


def requeue_building_transfers(uow: UnitOfWork) -> list[int]:
    """Queue again the builds of transfers still "building" whose job is neither waiting
    nor running (its worker died, or Redis lost it): a build starts over from scratch."""
    settled = uow.clock.now() - stale_after(uow.settings.pipeline)
    building = list(
        uow.session.scalars(
            select(Transfer.id)
            .where(Transfer.status == "building", Transfer.created_at < settled)
            .order_by(Transfer.id)
        )
    )
    return requeue_lost(
        uow, building, uow.jobs.waiting_transfers, uow.jobs.enqueue_transfer, "package build(s)"
    )


def _require_agencies(uow: UnitOfWork) -> None:
    settings = uow.settings.archives
    for name, agency in (
        ("archival_agency", settings.archival_agency),
        ("transferring_agency", settings.transferring_agency),
    ):
        if not agency.identifier.strip():
            raise Conflict(
                f"[archives.{name}] identifier is not set: the archives identify packages by "
                "it; set it in the configuration (a SIAF code or a SIRET) and restart"
            )


def _selected(uow: UnitOfWork, principal: Principal, selection: Mapping[str, Any]) -> list[int]:
    bound = uow.settings.archives.max_documents
    if not isinstance(selection, Mapping) or len(selection) != 1:
        raise InvalidInput(_SELECTION_SHAPE, field="selection")
    if "queue" in selection:
        if selection["queue"] != "transfer":
            raise InvalidInput(
                f'a transfer takes the "transfer" queue (à verser), not {selection["queue"]!r}',
                field="selection.queue",
            )
        found = due_documents(uow.session, "transfer", bound)
    elif "search" in selection:
        hits, _matched = selected_documents(
            uow, principal, parse_selection(selection, bound), bound
        )
        # Only what the search found in the queue: a search picks, it does not decide.
        queue = set(due_documents(uow.session, "transfer", bound))
        found = [i for i in hits if i in queue]
    elif "ids" in selection:
        found = list(parse_selection(selection, bound).ids or ())
    else:
        raise InvalidInput(_SELECTION_SHAPE, field="selection")
    if not found:
        raise InvalidInput(
            'no document of the "à verser" queue may be transferred now (due, not on hold, '
            "on no other open transfer)",
            field="selection",
        )
    return found


def _transferable(uow: UnitOfWork, ids: Sequence[int]) -> list[tuple[int, int]]:
    """Each document with the id of the rule it is due under; InvalidInput naming every
    document that may not be transferred, and why."""
    session = uow.session
    found = with_rules(session, ids)
    held_ids = held_document_ids(session, ids)
    elsewhere = {
        document_id: transfer_id
        for document_id, transfer_id in session.execute(
            select(TransferItem.document_id, Transfer.id)
            .join(Transfer, Transfer.id == TransferItem.transfer_id)
            .where(
                TransferItem.document_id.in_(ids),
                Transfer.status.in_(OPEN_TRANSFER_STATUSES),
            )
        )
    }
    before = accepted_transfers(session, ids)
    accepted, refused = [], []
    for document_id in ids:
        document, rule = found.get(document_id, (None, None))
        reason = _refusal(document, rule, document_id in held_ids, elsewhere.get(document_id))
        if reason is None and document_id in before:
            earlier, item = before[document_id]
            reason = (
                f"was already transferred (transfer {earlier.id}, archives' identifier "
                f"{item.archival_identifier}): dispose of ged's copy from the 'versés' queue"
            )
        if reason is not None:
            refused.append(f"document {document_id} {reason}")
        else:
            assert rule is not None
            accepted.append((document_id, rule.id))
    if refused:
        more = len(refused) - _LISTED_REFUSALS
        listed = "; ".join(refused[:_LISTED_REFUSALS]) + (f"; and {more} more" if more > 0 else "")
        raise InvalidInput(
            f"{len(refused)} of the documents may not be transferred: {listed}. "
            "Remove them from the selection",
            field="selection",
        )
    return accepted


def _refusal(
    document: Document | None, rule: RetentionRule | None, on_hold: bool, transfer: int | None
) -> str | None:
    if document is None or document.status != "active":
        return "does not exist (or is deleted)"
    if rule is None or document.due_date is None:
        return "has no retention rule (or its start is not known yet)"
    if rule.final_action != "transfer":
        return f"is not in the transfer queue: its rule ends in {rule.final_action!r}"
    if document.due_date > today():
        return f"is kept here until {document.due_date.isoformat()}"
    if on_hold:
        return "is on legal hold"
    if transfer is not None:
        return f"is already on transfer {transfer}"
    return None
