"""Each document's retention rule and due date, kept up to date.

The rule that applies to a document is the rule in force for its type in its unit, else
the rule in force for its type in every unit, else none. Its due date is the rule's start
(the document's date, the day it was filed in UTC, or the date of the event the rule
names) plus the rule's years and months, on the same day of the month or the last day of
a shorter month (31 January + 1 month is 28 or 29 February), the way PostgreSQL adds an
interval. A rule whose final action is ``keep`` never falls due: its documents have the
rule and no due date; so do documents whose start is not known yet (no document date, or
the event not recorded).

Two paths compute the same thing: ``assign_retention`` on one document through the ORM
(an edit of its type, unit or date, an event recorded), and ``recompute_due_dates`` with
a few set-based UPDATEs per rule (a rule created, edited or removed: every document of
the type at once). Both bump the document's revision, since the API shows the retention.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Sequence
from datetime import date

from sqlalchemy import Date, Integer, case, cast, func, literal, or_, select, update
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from ged.models import Document, DocumentEvent, DocumentType, RetentionRule
from ged.timeutil import aware

#: documents whose rule and due date follow the rules; a destroyed document keeps the
#: rule it was destroyed under
LIVING_STATUSES = ("active", "deleted")


def add_months(start: date, months: int) -> date:
    """``start`` plus ``months``, clamped to the end of a shorter month (and to the last
    day a date can be: a document dated in year 9990 under a 20-year rule)."""
    total = start.month - 1 + months
    year, month = start.year + total // 12, total % 12 + 1
    if year > date.max.year:
        return date.max
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def rule_in_force(
    session: Session, document_type_id: int | None, unit_id: int | None
) -> RetentionRule | None:
    """The rule a document of this type in this unit follows: the unit's own, else the
    type's rule for every unit."""
    if document_type_id is None:
        return None
    query = select(RetentionRule).where(
        RetentionRule.superseded_at.is_(None),
        RetentionRule.document_type_id == document_type_id,
        or_(RetentionRule.unit_id == unit_id, RetentionRule.unit_id.is_(None)),
    )
    # NULLs sort last on SQLite ascending and first on PostgreSQL: order explicitly.
    rules = sorted(session.scalars(query), key=lambda rule: rule.unit_id is None)
    return rules[0] if rules else None


def due_date_of(session: Session, rule: RetentionRule | None, document: Document) -> date | None:
    if rule is None or rule.final_action == "keep":
        return None
    start = start_of(session, rule, document)
    if start is None:
        return None
    return add_months(start, rule.duration_years * 12 + rule.duration_months)


def start_of(session: Session, rule: RetentionRule, document: Document) -> date | None:
    """The day the rule's period started for the document; None while it is not known."""
    if rule.start_event == "document_date":
        return document.document_date
    if rule.start_event == "created":
        return aware(document.created_at).date() if document.created_at else None
    if document.id is None:
        return None
    return session.scalar(
        select(DocumentEvent.date).where(
            DocumentEvent.document_id == document.id, DocumentEvent.name == rule.event_name
        )
    )


def assign_retention(session: Session, document: Document) -> None:
    """Set the rule and due date of one document from its type, unit, date and events
    (unchanged values are not written, so the revision only moves when they change)."""
    # Not flushed first: a document being filed gets its rule in its INSERT (revision 1),
    # not in an UPDATE after it.
    with session.no_autoflush:
        type_id = document.document_type.id if document.document_type else None
        unit_id = document.unit.id if document.unit else None
        rule = rule_in_force(session, type_id, unit_id)
        due = due_date_of(session, rule, document)
    rule_id = rule.id if rule else None
    if document.retention_rule_id != rule_id:
        document.retention_rule_id = rule_id
        document.retention_rule = rule
    if document.due_date != due:
        document.due_date = due


def recompute_due_dates(session: Session, document_type_ids: Iterable[int] | None = None) -> int:
    """Bring the rule and due date of every living document of these types (all types:
    None) in line with the rules in force, set-based; the number of documents changed."""
    if document_type_ids is None:
        type_ids = list(session.scalars(select(DocumentType.id)))
    else:
        type_ids = sorted(set(document_type_ids))
    changed = 0
    for type_id in type_ids:
        changed += _recompute_type(session, type_id)
    return changed


def _recompute_type(session: Session, type_id: int) -> int:
    rules = list(
        session.scalars(
            select(RetentionRule).where(
                RetentionRule.superseded_at.is_(None), RetentionRule.document_type_id == type_id
            )
        )
    )
    own_units = [rule.unit_id for rule in rules if rule.unit_id is not None]
    general = next((rule for rule in rules if rule.unit_id is None), None)
    # documents of the type that no unit rule claims: the general rule's, or nobody's
    unclaimed = or_(Document.unit_id.is_(None), Document.unit_id.not_in(own_units or [-1]))
    changed = 0
    for rule in rules:
        scope = Document.unit_id == rule.unit_id if rule.unit_id is not None else unclaimed
        changed += _apply(session, type_id, scope, rule.id, _due_expression(session, rule))
    if general is None:
        changed += _apply(session, type_id, unclaimed, None, literal(None, Date))
    return changed


def _apply(
    session: Session,
    type_id: int,
    scope: ColumnElement[bool],
    rule_id: int | None,
    due: ColumnElement,
) -> int:
    """One UPDATE: the documents in scope get this rule and due date, and a new revision
    (this bypasses the ORM's version counter) when either changes."""
    result = session.execute(
        update(Document)
        .where(
            Document.document_type_id == type_id,
            Document.status.in_(LIVING_STATUSES),
            scope,
            or_(
                Document.retention_rule_id.is_distinct_from(rule_id),
                Document.due_date.is_distinct_from(due),
            ),
        )
        .values(retention_rule_id=rule_id, due_date=due, revision=Document.revision + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount  # type: ignore[attr-defined]


def _due_expression(session: Session, rule: RetentionRule) -> ColumnElement:
    """SQL for the due date of a document under ``rule`` (NULL when it never falls due)."""
    if rule.final_action == "keep":
        return literal(None, Date)
    postgres = session.get_bind().dialect.name == "postgresql"
    if rule.start_event == "document_date":
        start: ColumnElement = Document.document_date.expression
    elif rule.start_event == "created":
        start = (
            cast(func.timezone("UTC", Document.created_at), Date)
            if postgres
            else func.date(Document.created_at)
        )
    else:
        start = (
            select(DocumentEvent.date)
            .where(DocumentEvent.document_id == Document.id, DocumentEvent.name == rule.event_name)
            .scalar_subquery()
        )
    months = rule.duration_years * 12 + rule.duration_months
    if postgres:
        # date + interval clamps to the end of a shorter month, as add_months does
        summed = cast(start + func.make_interval(0, literal(months, Integer)), Date)
        return func.least(summed, literal(date.max, Date))
    # SQLite rolls 31 January + 1 month over into March: take the end of the target month
    # when the plain sum went past it (ISO dates compare as text). Past year 9999 date()
    # answers NULL, where add_months answers its last day.
    clamped = func.min(
        func.date(start, f"+{months} months"),
        func.date(start, "start of month", f"+{months + 1} months", "-1 day"),
    )
    return case((start.is_(None), None), else_=func.coalesce(clamped, date.max.isoformat()))


def with_rules(
    session: Session, ids: Sequence[int]
) -> dict[int, tuple[Document, RetentionRule | None]]:
    """Each of these documents with the rule row it is due under (None: no rule applies)."""
    return {
        document.id: (document, rule)
        for document, rule in session.execute(
            select(Document, RetentionRule)
            .outerjoin(RetentionRule, RetentionRule.id == Document.retention_rule_id)
            .where(Document.id.in_(ids))
        )
    }
