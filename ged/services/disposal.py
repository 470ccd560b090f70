"""Disposal lists (bordereaux d'élimination) and their visa.

An archivist (``disposal.propose``) builds a list, by ids, from the "destroy" queue, or
from a search, and submits it; the archives authority (``disposal.approve``) gives or
refuses the visa, with a comment, and never on a list they proposed themselves, whatever
their role. Only an approved list is executed (ged.services.destruction), by a worker.

What may be listed: a document whose retention period is over (``due_date`` today or
earlier) and whose rule ends in "destroy", or in "sort" (the archivist's tri chose to
destroy it: taken only by id, never by queue or search in bulk), or in "transfer" once
the archives accepted it (queue "transferred": they hold it, ged's copy may go); never
one on hold, nor one already on an open list. These are checked when a document is added, and again at
submission and at the visa (a hold placed meanwhile stops the list there).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import func, select

from ged.access import Principal, authorize
from ged.audit.chain import record
from ged.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from ged.models import DISPOSABLE_QUEUES, DisposalItem, DisposalList, RetentionRule
from ged.services.disposal_queues import OPEN_LIST_STATUSES, TRANSFERRED, due_documents
from ged.services.due_dates import with_rules
from ged.services.holds import held_document_ids
from ged.services.paging import Page, PageOf, paginate
from ged.services.selection import parse_selection, selected_documents
from ged.services.transfer_state import accepted_transfers
from ged.timeutil import today
from ged.uow import UnitOfWork

_SELECTION_SHAPE = (
    'selection is {"ids": [1, 2, …]}, {"queue": "destroy"}, {"queue": "transferred"} '
    'or {"search": {"q", "filters"}}'
)
#: the queues a list may take whole: documents to sort are taken one by one, by id
WHOLE_QUEUES = ("destroy", TRANSFERRED)


def create_list(
    uow: UnitOfWork,
    principal: Principal,
    title: str,
    comment: str = "",
    selection: Mapping[str, Any] | None = None,
) -> DisposalList:
    """A new draft list, filled from ``selection`` if given; audited ``disposal.propose``."""
    authorize(principal, "disposal.propose")
    _require_account(principal, "proposes")
    title = title.strip()
    if not title:
        raise InvalidInput("give the list a title, e.g. 'Factures 2014'", field="title")
    disposal = DisposalList(title=title[:200], comment=comment, proposed_by_id=principal.user_id)
    uow.session.add(disposal)
    uow.session.flush()
    ids = _selected(uow, principal, selection) if selection is not None else []
    _add(uow, disposal, ids)
    record(
        uow.session,
        principal,
        "disposal.propose",
        object_type="disposal_list",
        object_id=disposal.id,
        details={"title": disposal.title, "documents": sorted(ids)},
    )
    uow.commit()
    return disposal


def add_documents(
    uow: UnitOfWork, principal: Principal, list_id: int, selection: Mapping[str, Any]
) -> DisposalList:
    disposal = _draft(uow, principal, list_id)
    ids = _selected(uow, principal, selection)
    added = _add(uow, disposal, ids)
    _record_edit(uow, principal, disposal, "disposal.add", added)
    return disposal


def remove_documents(
    uow: UnitOfWork, principal: Principal, list_id: int, document_ids: Sequence[int]
) -> DisposalList:
    disposal = _draft(uow, principal, list_id)
    wanted = set(document_ids)
    removed = [item.document_id for item in disposal.items if item.document_id in wanted]
    disposal.items = [item for item in disposal.items if item.document_id not in wanted]
    _record_edit(uow, principal, disposal, "disposal.remove", removed)
    return disposal


def submit_list(uow: UnitOfWork, principal: Principal, list_id: int) -> DisposalList:
    """Send a draft to the archives authority for its visa."""
    disposal = _draft(uow, principal, list_id)
    if not disposal.items:
        raise Conflict(f"disposal list {list_id} is empty: add documents before submitting it")
    _recheck(uow, disposal)
    disposal.status = "submitted"
    disposal.submitted_at = uow.clock.now()
    _record_decision(uow, principal, disposal, "disposal.submit")
    return disposal


def approve_list(
    uow: UnitOfWork, principal: Principal, list_id: int, comment: str = ""
) -> DisposalList:
    """Give the visa: the list's documents are destroyed by a worker once committed."""
    disposal = _decidable(uow, principal, list_id)
    _recheck(uow, disposal)
    if not uow.settings.audit.key_file.exists():
        raise Conflict(
            f"the audit signing key {uow.settings.audit.key_file} is missing, so the "
            "certificate of this list could not be signed: create it with `ged audit keygen` "
            "before giving the visa"
        )
    _decide(uow, principal, disposal, "approved", comment)
    uow.after_commit(lambda: uow.jobs.enqueue_disposal(list_id))
    _record_decision(uow, principal, disposal, "disposal.approve")
    return disposal


def refuse_list(uow: UnitOfWork, principal: Principal, list_id: int, comment: str) -> DisposalList:
    """Refuse the visa, saying why: the documents stay as they are and may be listed again."""
    disposal = _decidable(uow, principal, list_id)
    if not comment.strip():
        raise InvalidInput("say why the visa is refused", field="comment")
    _decide(uow, principal, disposal, "refused", comment)
    _record_decision(uow, principal, disposal, "disposal.refuse")
    return disposal


def read_list(uow: UnitOfWork, principal: Principal, list_id: int) -> DisposalList:
    authorize(principal, "disposal.read")
    return _get(uow, list_id, lock=False)


def list_lists(
    uow: UnitOfWork, principal: Principal, status: str | None, page: Page
) -> PageOf[DisposalList]:
    authorize(principal, "disposal.read")
    query = select(DisposalList).order_by(DisposalList.id.desc())
    if status is not None:
        query = query.where(DisposalList.status == status)
    return paginate(uow.session, query, page)


def _get(uow: UnitOfWork, list_id: int, *, lock: bool = True) -> DisposalList:
    """The list, locked for a change unless ``lock`` is false (PostgreSQL: a second change
    waits for the first to commit, then sees its status)."""
    disposal = uow.session.get(DisposalList, list_id, with_for_update=lock, populate_existing=lock)
    if disposal is None:
        raise NotFound(f"disposal list {list_id} does not exist")
    return disposal


def _require_account(principal: Principal, verb: str) -> None:
    if principal.user_id is None:
        raise PermissionDenied(
            f"a person {verb} a disposal list: act as a user account (ged disposal … --as NAME)",
            rule="disposal.propose",
        )


def _draft(uow: UnitOfWork, principal: Principal, list_id: int) -> DisposalList:
    authorize(principal, "disposal.propose")
    disposal = _get(uow, list_id)
    if disposal.status != "draft":
        raise Conflict(f"disposal list {list_id} is {disposal.status}: only a draft changes")
    if disposal.proposed_by_id != principal.user_id:
        raise PermissionDenied(
            f"disposal list {list_id} is {disposal.proposed_by.username}'s draft; "
            "only its proposer changes or submits it",
            rule="disposal.propose",
        )
    return disposal


def _decidable(uow: UnitOfWork, principal: Principal, list_id: int) -> DisposalList:
    authorize(principal, "disposal.approve")
    _require_account(principal, "decides on")
    disposal = _get(uow, list_id)
    if disposal.status != "submitted":
        raise Conflict(
            f"disposal list {list_id} is {disposal.status}: the visa is given on a submitted list"
        )
    if disposal.proposed_by_id == principal.user_id:
        raise PermissionDenied(
            f"you proposed disposal list {list_id}: another person must give or refuse its visa",
            rule="disposal.approve",
        )
    return disposal


def _decide(
    uow: UnitOfWork, principal: Principal, disposal: DisposalList, status: str, comment: str
) -> None:
    disposal.status = status
    disposal.decided_by_id = principal.user_id
    disposal.decided_at = uow.clock.now()
    disposal.decision_comment = comment


def _selected(
    uow: UnitOfWork, principal: Principal, selection: Mapping[str, Any] | None
) -> list[int]:
    bound = uow.settings.disposal.max_documents
    if not isinstance(selection, Mapping) or len(selection) != 1:
        raise InvalidInput(_SELECTION_SHAPE, field="selection")
    if "queue" in selection:
        if selection["queue"] not in WHOLE_QUEUES:
            raise InvalidInput(
                'only the "destroy" and "transferred" queues are taken whole; documents to '
                "sort are added by id, once the archivist has decided to destroy each",
                field="selection.queue",
            )
        return due_documents(uow.session, selection["queue"], bound)
    if "search" in selection:
        found, _matched = selected_documents(
            uow, principal, parse_selection(selection, bound), bound
        )
        # Only what the search found in the destroy queue: a search picks, it does not sort.
        queue = set(due_documents(uow.session, "destroy", uow.settings.disposal.max_documents))
        return [i for i in found if i in queue]
    if "ids" in selection:
        ids = selection["ids"]
        if not isinstance(ids, list) or not all(type(i) is int and i >= 1 for i in ids):
            raise InvalidInput("ids must be a list of document ids", field="selection.ids")
        return ids
    raise InvalidInput(_SELECTION_SHAPE, field="selection")


def _add(uow: UnitOfWork, disposal: DisposalList, ids: Iterable[int]) -> list[int]:
    """Add the documents not listed yet, each checked; the ids added."""
    present = {item.document_id for item in disposal.items}
    new = [i for i in dict.fromkeys(ids) if i not in present]
    if len(present) + len(new) > uow.settings.disposal.max_documents:
        raise InvalidInput(
            f"a disposal list holds at most {uow.settings.disposal.max_documents} documents "
            "([disposal] max_documents): split it",
            field="selection",
        )
    for document_id, rule, queue in _disposable(uow, disposal.id, new):
        disposal.items.append(
            DisposalItem(document_id=document_id, queue=queue, retention_rule_id=rule.id)
        )
    uow.session.flush()
    return new


def _disposable(
    uow: UnitOfWork, list_id: int, ids: Sequence[int]
) -> list[tuple[int, RetentionRule, str]]:
    """Each document with its rule and the queue it comes from, or InvalidInput/Conflict
    naming the first that may not be disposed of and why."""
    session = uow.session
    found = with_rules(session, ids)
    held = held_document_ids(session, ids)
    elsewhere = _on_other_open_list(uow, list_id, ids)
    accepted = accepted_transfers(session, ids)
    checked = []
    for document_id in ids:
        document, rule = found.get(document_id, (None, None))
        if document is None or document.status == "destroyed":
            raise InvalidInput(f"document {document_id} does not exist", field="selection")
        if rule is None or document.due_date is None:
            raise InvalidInput(
                f"document {document_id} has no retention rule (or its start event is not "
                "known yet): it cannot be disposed of",
                field="selection",
            )
        if document.due_date > today():
            raise InvalidInput(
                f"document {document_id} is kept until {document.due_date.isoformat()}: "
                "it cannot be disposed of before",
                field="selection",
            )
        queue = _queue(rule, document_id in accepted)
        if queue is None:
            raise InvalidInput(_not_destroyable(document_id, rule), field="selection")
        if document_id in held:
            raise InvalidInput(
                f"document {document_id} is on legal hold: it cannot be disposed of",
                field="selection",
            )
        if document_id in elsewhere:
            raise Conflict(
                f"document {document_id} is already on disposal list {elsewhere[document_id]}"
            )
        checked.append((document_id, rule, queue))
    return checked


def _queue(rule: RetentionRule, accepted: bool) -> str | None:
    """The queue a due document under ``rule`` is disposed of from, if it may be."""
    if rule.final_action in DISPOSABLE_QUEUES:
        return rule.final_action
    if rule.final_action == "transfer" and accepted:
        return TRANSFERRED
    return None


def _not_destroyable(document_id: int, rule: RetentionRule) -> str:
    if rule.final_action == "transfer":
        return (
            f"document {document_id}'s rule ends in a transfer to the archives, and the "
            "archives have not accepted it: ged's copy goes once they have"
        )
    return f"document {document_id}'s rule ends in {rule.final_action!r}, not in destruction"


def _on_other_open_list(uow: UnitOfWork, list_id: int, ids: Sequence[int]) -> dict[int, int]:
    rows = uow.session.execute(
        select(DisposalItem.document_id, func.min(DisposalItem.list_id))
        .join(DisposalList, DisposalList.id == DisposalItem.list_id)
        .where(
            DisposalItem.document_id.in_(ids),
            DisposalItem.list_id != list_id,
            DisposalList.status.in_(OPEN_LIST_STATUSES),
        )
        .group_by(DisposalItem.document_id)
    )
    return {document_id: list_id for document_id, list_id in rows}


def _recheck(uow: UnitOfWork, disposal: DisposalList) -> None:
    """The documents are still disposable (a hold or a rule change may have come since)."""
    _disposable(uow, disposal.id, [item.document_id for item in disposal.items])


def _record_edit(
    uow: UnitOfWork, principal: Principal, disposal: DisposalList, action: str, ids: list[int]
) -> None:
    _record(uow, principal, disposal, action, {"documents": sorted(ids)})


def _record_decision(
    uow: UnitOfWork, principal: Principal, disposal: DisposalList, action: str
) -> None:
    documents = [item.document_id for item in disposal.items]
    _record(
        uow,
        principal,
        disposal,
        action,
        {"documents": documents, "comment": disposal.decision_comment or ""},
    )


def _record(
    uow: UnitOfWork, principal: Principal, disposal: DisposalList, action: str, details: dict
) -> None:
    """Record a step of the list in the lifecycle journal and commit it with the step."""
    record(
        uow.session,
        principal,
        action,
        object_type="disposal_list",
        object_id=disposal.id,
        details=details,
    )
    uow.commit()
