"""Retention rules (the tableau de gestion): list, create, edit, remove, each audited.

A rule is never rewritten: an edit supersedes the row in force with a new one (its
``version`` + 1) and a removal supersedes it with none, so documents, disposal lists and
certificates name the exact row they applied. At most one rule is in force per document
type and unit (the unit NULL: every unit without a rule of its own). Each change
recomputes, set-based, the rule and due date of every document of the type.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ged.access import Principal, allowed, authorize
from ged.audit.chain import edit_details, record
from ged.errors import Conflict, InvalidInput, NotFound
from ged.models import FINAL_ACTIONS, START_EVENTS, Document, DocumentType, RetentionRule, Unit
from ged.services.document_events import check_event_name
from ged.services.document_fields import type_coded, unit_named
from ged.services.due_dates import recompute_due_dates
from ged.services.paging import Page, PageOf, paginate
from ged.uow import UnitOfWork

MAX_YEARS = 999
MAX_REFERENCE = 200


@dataclass(frozen=True)
class RuleTerms:
    """What a rule says: how long, counted from what, and then what."""

    duration_years: int = 0
    duration_months: int = 0
    #: "document_date", "created" or "event"
    start_event: str = "document_date"
    #: the event counted from, when start_event is "event"
    event_name: str | None = None
    #: "keep", "transfer", "destroy" or "sort"
    final_action: str = "destroy"
    reference: str = ""


TERMS = tuple(field.name for field in fields(RuleTerms))


def terms_of(rule: RetentionRule) -> RuleTerms:
    return RuleTerms(**{name: getattr(rule, name) for name in TERMS})


def list_rules(
    uow: UnitOfWork,
    principal: Principal,
    page: Page | None = None,
    document_type: str | None = None,
) -> PageOf[RetentionRule]:
    """The rules in force, by type then unit (the all-units rule first)."""
    authorize(principal, "retention.read")
    query = (
        select(RetentionRule)
        .join(DocumentType, DocumentType.id == RetentionRule.document_type_id)
        .outerjoin(Unit, Unit.id == RetentionRule.unit_id)
        .where(RetentionRule.superseded_at.is_(None))
        .order_by(DocumentType.code, Unit.name.is_not(None), Unit.name)
    )
    if document_type is not None:
        query = query.where(DocumentType.code == document_type)
    return paginate(uow.session, query, page)


def read_rule(uow: UnitOfWork, principal: Principal, rule_id: int) -> RetentionRule:
    """One row, in force or superseded."""
    authorize(principal, "retention.read")
    return _rule(uow.session, rule_id)


def rule_history(
    uow: UnitOfWork, principal: Principal, rule_id: int, page: Page | None = None
) -> PageOf[RetentionRule]:
    """Every row ever in force for the type and unit of ``rule_id``, oldest first."""
    authorize(principal, "retention.read")
    rule = _rule(uow.session, rule_id)
    query = (
        select(RetentionRule)
        .where(
            RetentionRule.document_type_id == rule.document_type_id,
            RetentionRule.unit_id.is_(None)
            if rule.unit_id is None
            else RetentionRule.unit_id == rule.unit_id,
        )
        .order_by(RetentionRule.id)
    )
    return paginate(uow.session, query, page)


def find_rule(
    uow: UnitOfWork, principal: Principal, document_type: str, unit: str | None = None
) -> RetentionRule | None:
    """The rule in force for the type in that unit exactly (None: all-units), if any."""
    authorize(principal, "retention.read")
    kind, place = _type_and_unit(uow.session, document_type, unit)
    return _in_force(uow.session, kind.id, place.id if place else None)


def create_rule(
    uow: UnitOfWork,
    principal: Principal,
    document_type: str,
    unit: str | None,
    terms: RuleTerms,
) -> RetentionRule:
    """A new rule for a type (in one unit, or in every unit: ``unit`` None); Conflict when
    one is already in force there (edit it instead)."""
    authorize(principal, "retention.manage")
    session = uow.session
    kind, place = _type_and_unit(session, document_type, unit)
    terms = _checked(terms)
    existing = _in_force(session, kind.id, place.id if place else None, lock=True)
    if existing is not None:
        raise Conflict(
            f"rule {existing.id} is already in force for {_scope(existing)}; "
            "edit or remove it instead"
        )
    rule = _new_row(session, principal, kind, place, terms, version=1)
    changed = recompute_due_dates(session, [kind.id])
    record(
        session,
        principal,
        "retention_rule.create",
        object_type="retention_rule",
        object_id=rule.id,
        details={**_identity(rule), **asdict(terms), "documents": changed},
    )
    uow.commit()
    return rule


def edit_rule(
    uow: UnitOfWork, principal: Principal, rule_id: int, changes: Mapping[str, Any]
) -> RetentionRule:
    """Supersede the rule in force ``rule_id`` with a row saying ``changes`` (any of
    RuleTerms' fields) on top of it; the same row when nothing changes."""
    authorize(principal, "retention.manage")
    unknown = set(changes) - set(TERMS)
    if unknown:
        raise InvalidInput(f"a rule has no field {sorted(unknown)[0]!r}", field=sorted(unknown)[0])
    session = uow.session
    old = _rule(session, rule_id)
    terms = _checked(replace(terms_of(old), **changes))
    if terms == terms_of(old) and old.superseded_at is None:
        return old
    _supersede(uow, old)
    rule = _new_row(session, principal, old.document_type, old.unit, terms, old.version + 1)
    changed = recompute_due_dates(session, [old.document_type_id])
    record(
        session,
        principal,
        "retention_rule.update",
        object_type="retention_rule",
        object_id=rule.id,
        details={
            **_identity(rule),
            **edit_details(asdict(terms_of(old)), asdict(terms)),
            "supersedes": old.id,
            "documents": changed,
        },
    )
    uow.commit()
    return rule


def set_rule(
    uow: UnitOfWork,
    principal: Principal,
    document_type: str,
    unit: str | None,
    terms: RuleTerms,
) -> RetentionRule:
    """Create the rule of a type and unit, or edit the one in force (the command line's
    ``ged retention set``)."""
    existing = find_rule(uow, principal, document_type, unit)
    if existing is None:
        return create_rule(uow, principal, document_type, unit, terms)
    return edit_rule(uow, principal, existing.id, asdict(terms))


def remove_rule(uow: UnitOfWork, principal: Principal, rule_id: int) -> RetentionRule:
    """Supersede the rule in force without a successor: its documents fall back to the
    type's all-units rule, or to none."""
    authorize(principal, "retention.manage")
    session = uow.session
    rule = _rule(session, rule_id)
    _supersede(uow, rule)
    changed = recompute_due_dates(session, [rule.document_type_id])
    record(
        session,
        principal,
        "retention_rule.remove",
        object_type="retention_rule",
        object_id=rule.id,
        details={**_identity(rule), **asdict(terms_of(rule)), "documents": changed},
    )
    uow.commit()
    return rule


def unruled_documents(
    uow: UnitOfWork, principal: Principal, page: Page | None = None
) -> PageOf[Document]:
    """Active documents no rule applies to (no type, or a type without a rule for their
    unit), oldest first, among those the caller may read."""
    authorize(principal, "retention.read")
    query = (
        select(Document)
        .where(
            Document.retention_rule_id.is_(None),
            Document.status == "active",
            allowed(principal, "read"),
        )
        .order_by(Document.id)
    )
    return paginate(uow.session, query, page)


def _checked(terms: RuleTerms) -> RuleTerms:
    for name, bound in (("duration_years", MAX_YEARS), ("duration_months", 11)):
        value = getattr(terms, name)
        if type(value) is not int or not 0 <= value <= bound:
            raise InvalidInput(f"{name} must be a whole number from 0 to {bound}", field=name)
    if terms.start_event not in START_EVENTS:
        raise InvalidInput(
            f"start_event must be one of {', '.join(START_EVENTS)}", field="start_event"
        )
    if terms.final_action not in FINAL_ACTIONS:
        raise InvalidInput(
            f"final_action must be one of {', '.join(FINAL_ACTIONS)}", field="final_action"
        )
    event_name = (terms.event_name or "").strip() or None
    if terms.start_event == "event":
        if event_name is None:
            raise InvalidInput(
                "a rule counted from an event names it (event_name, e.g. contract_ended)",
                field="event_name",
            )
        check_event_name(event_name, field="event_name")
    elif event_name is not None:
        raise InvalidInput(
            'event_name applies only to a rule whose start_event is "event"', field="event_name"
        )
    reference = (terms.reference or "").strip()
    if len(reference) > MAX_REFERENCE:
        raise InvalidInput(
            f"the reference is longer than {MAX_REFERENCE} characters", field="reference"
        )
    return replace(terms, event_name=event_name, reference=reference)


def _type_and_unit(
    session: Session, document_type: str, unit: str | None
) -> tuple[DocumentType, Unit | None]:
    kind = type_coded(session, document_type)
    if kind is None:
        raise InvalidInput("a rule is for a document type: name its code", field="document_type")
    return kind, unit_named(session, unit)


def _rule(session: Session, rule_id: int) -> RetentionRule:
    rule = session.get(RetentionRule, rule_id)
    if rule is None:
        raise NotFound(f"retention rule {rule_id} does not exist")
    return rule


def _in_force(
    session: Session, type_id: int, unit_id: int | None, *, lock: bool = False
) -> RetentionRule | None:
    if lock:  # the type's row (PostgreSQL): two changes of its rules queue
        session.execute(select(DocumentType.id).where(DocumentType.id == type_id).with_for_update())
    query = select(RetentionRule).where(
        RetentionRule.superseded_at.is_(None),
        RetentionRule.document_type_id == type_id,
        RetentionRule.unit_id.is_(None) if unit_id is None else RetentionRule.unit_id == unit_id,
    )
    return session.scalars(query).one_or_none()


def _supersede(uow: UnitOfWork, rule: RetentionRule) -> None:
    """Mark the row superseded, only if it still is in force (a concurrent edit or removal
    that came first leaves it superseded: Conflict)."""
    _in_force(uow.session, rule.document_type_id, rule.unit_id, lock=True)
    done = uow.session.execute(
        update(RetentionRule)
        .where(RetentionRule.id == rule.id, RetentionRule.superseded_at.is_(None))
        .values(superseded_at=uow.clock.now())
        .returning(RetentionRule.id)
    ).scalar_one_or_none()
    if done is None:
        current = _in_force(uow.session, rule.document_type_id, rule.unit_id)
        now = f"rule {current.id} is in force now" if current else "no rule is in force now"
        raise Conflict(
            f"rule {rule.id} (version {rule.version}) is no longer in force for "
            f"{_scope(rule)}: {now}; read it again"
        )
    uow.session.refresh(rule)


def _new_row(
    session: Session,
    principal: Principal,
    kind: DocumentType,
    place: Unit | None,
    terms: RuleTerms,
    version: int,
) -> RetentionRule:
    rule = RetentionRule(
        document_type=kind,
        unit=place,
        version=version,
        created_by_id=principal.user_id,
        **asdict(terms),
    )
    session.add(rule)
    session.flush()
    return rule


def _identity(rule: RetentionRule) -> dict[str, Any]:
    return {
        "document_type": rule.document_type.code,
        "unit": rule.unit.name if rule.unit else None,
        "version": rule.version,
    }


def _scope(rule: RetentionRule) -> str:
    where = f"unit {rule.unit.name!r}" if rule.unit else "every unit"
    return f"type {rule.document_type.code!r} in {where}"
