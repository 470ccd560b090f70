"""The archivist's queues: documents whose retention period is over, by the final action of
their rule: "destroy" (à éliminer), "transfer" (à verser), "sort" (à trier); and
"transferred" (versés): documents the archives accepted, whose copy in ged may now be
disposed of.

"transferred" is a queue but not a final action (ged.models.QUEUES lists the final actions
a due document is sorted by): a document due under a "transfer" rule is "à verser" until
the archives accept it, then "versé" until it is destroyed. One on an open transfer (its
package is being built or waits for the reply) is in neither: it is spoken for. One the
archives refused is "à verser" again, with their reason.

Everything is one set-based query on ``documents.due_date`` (indexed) joined to the rule
row each document carries, so counting 100,000 documents takes one round trip. A document
on hold is counted and listed as held, and never proposed; a destroyed one is in no queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import ColumnElement, Select, and_, case, exists, func, select
from sqlalchemy.orm import Session

from ged.access import Principal, authorize
from ged.audit.chain import record
from ged.errors import InvalidInput
from ged.models import (
    QUEUES,
    DisposalItem,
    DisposalList,
    Document,
    LegalHold,
    RetentionRule,
    legal_hold_documents,
)
from ged.services.holds import in_force
from ged.services.paging import Page, PageOf
from ged.services.transfer_state import (
    archival_identifier,
    last_rejection,
    on_open_transfer,
    transferred,
)
from ged.timeutil import today
from ged.uow import UnitOfWork

#: lists whose documents are spoken for: not proposed again
OPEN_LIST_STATUSES = ("draft", "submitted", "approved")
TRANSFERRED = "transferred"
#: every queue: one per final action, then the documents the archives accepted
QUEUE_NAMES = (*QUEUES, TRANSFERRED)


@dataclass(frozen=True)
class QueueCount:
    due: int
    held: int


@dataclass(frozen=True)
class QueueEntry:
    document: Document
    rule: RetentionRule
    held: bool
    #: the open disposal list it is on, if any
    list_id: int | None
    #: why the archives refused it the last time it was transferred, if they did
    rejection: str | None = None
    #: the archives' identifier for it, once transferred
    archival_identifier: str | None = None


def held(on: date) -> ColumnElement[bool]:
    """SQL on Document: a hold in force on day ``on`` keeps it."""
    return exists().where(
        legal_hold_documents.c.document_id == Document.id,
        LegalHold.id == legal_hold_documents.c.hold_id,
        in_force(on),
    )


def due(on: date) -> ColumnElement[bool]:
    """SQL on Document joined to its RetentionRule: its period was over by day ``on``."""
    return and_(
        Document.status != "destroyed",
        Document.due_date.is_not(None),
        Document.due_date <= on,
        RetentionRule.final_action.in_(QUEUES),
    )


def in_queue(name: str, on: date) -> ColumnElement[bool]:
    """SQL on Document joined to its RetentionRule: it is in queue ``name`` on day ``on``."""
    if name == TRANSFERRED:
        return and_(due(on), RetentionRule.final_action == "transfer", transferred())
    where = and_(due(on), RetentionRule.final_action == name)
    if name == "transfer":
        return and_(where, ~transferred(), ~on_open_transfer())
    return where


def _queue_of() -> ColumnElement[str]:
    """SQL on a due Document joined to its rule: the queue it is in (in_queue's partition)."""
    return case(
        (and_(RetentionRule.final_action == "transfer", transferred()), TRANSFERRED),
        else_=RetentionRule.final_action,
    )


def _spoken_for() -> ColumnElement[bool]:
    """SQL: due under a transfer rule, not transferred, but on an open transfer."""
    return and_(RetentionRule.final_action == "transfer", ~transferred(), on_open_transfer())


def _joined(query: Select) -> Select:
    return query.select_from(Document).join(
        RetentionRule, RetentionRule.id == Document.retention_rule_id
    )


def count_queues(session: Session, on: date) -> dict[str, QueueCount]:
    """How many documents each queue holds on day ``on``, and how many of them are held."""
    # Grouped outside: PostgreSQL does not group by an expression holding a subquery.
    placed = (
        _joined(select(_queue_of().label("queue"), case((held(on), 1), else_=0).label("held")))
        .where(due(on), ~_spoken_for())
        .subquery()
    )
    query = select(placed.c.queue, func.count(), func.coalesce(func.sum(placed.c.held), 0))
    rows = session.execute(query.group_by(placed.c.queue))
    counts = {name: QueueCount(0, 0) for name in QUEUE_NAMES}
    for action, count, on_hold in rows:
        counts[action] = QueueCount(int(count), int(on_hold))
    return counts


def open_list_of():
    """SQL on Document: the open disposal list it is on (at most one), or NULL."""
    return (
        select(DisposalItem.list_id)
        .join(DisposalList, DisposalList.id == DisposalItem.list_id)
        .where(
            DisposalItem.document_id == Document.id,
            DisposalList.status.in_(OPEN_LIST_STATUSES),
        )
        .limit(1)
        .scalar_subquery()
    )


def queues(uow: UnitOfWork, principal: Principal) -> dict[str, QueueCount]:
    """The queues' counts today (unaudited: counts show no document)."""
    authorize(principal, "disposal.read")
    return count_queues(uow.session, today())


def queue_page(
    uow: UnitOfWork, principal: Principal, action: str, page: Page
) -> PageOf[QueueEntry]:
    """One page of a queue, the longest overdue first; audited as a listing is."""
    authorize(principal, "disposal.read")
    if action not in QUEUE_NAMES:
        raise InvalidInput(
            f"the queues are {', '.join(QUEUE_NAMES)}, not {action!r}", field="queue"
        )
    session, on = uow.session, today()
    where = in_queue(action, on)
    total = session.scalar(_joined(select(func.count())).where(where)) or 0
    columns = (held(on), open_list_of(), last_rejection(), archival_identifier())
    rows = session.execute(
        _joined(select(Document, RetentionRule, *columns))
        .where(where)
        .order_by(Document.due_date, Document.id)
        .offset(page.offset)
        .limit(page.size)
    )
    entries = [
        QueueEntry(doc, rule, bool(on_hold), list_id, rejection, archived)
        for doc, rule, on_hold, list_id, rejection, archived in rows
    ]
    record(
        session,
        principal,
        "disposal.queue.list",
        details={"queue": action, "page": page.number, "total": total},
    )
    uow.commit()
    return PageOf(entries, total, page.number, page.size)


def due_documents(session: Session, action: str, limit: int) -> list[int]:
    """The queue's documents that may be proposed now: not held, on no open list."""
    on = today()
    query = (
        _joined(select(Document.id))
        .where(in_queue(action, on), ~held(on))
        .where(open_list_of().is_(None))
        .order_by(Document.due_date, Document.id)
        .limit(limit)
    )
    return list(session.scalars(query))


def refresh_queues(uow: UnitOfWork) -> dict[str, QueueCount]:
    """The daily job: count the queues and write the counts to the lifecycle journal
    (``disposal.queue.refresh``), so that what was due each day stays on record."""
    counts = count_queues(uow.session, today())
    record(
        uow.session,
        None,
        "disposal.queue.refresh",
        details={
            "on": today().isoformat(),
            **{action: {"due": c.due, "held": c.held} for action, c in counts.items()},
        },
    )
    uow.commit()
    return counts
