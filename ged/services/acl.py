"""Reading and replacing ACL grants on documents and units, and a document's own history.

A document's grants are its managers' business (``require_document(..., "manage")``);
a unit's are the archive's (rules ``unit.acl.read`` and ``unit.acl``). A change is indexed after its commit,
since every search filters on the ACL the index holds.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import asdict, dataclass

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.orm import Session

from ged.access import Principal, authorize, has_permission, require_document
from ged.audit.chain import record
from ged.audit.query import EventFilters, EventPage, search_events
from ged.errors import InvalidInput, NotFound
from ged.models import PERMISSIONS, Document, Grant, Group, Unit, User
from ged.services.revisions import document_for_change
from ged.uow import UnitOfWork


@dataclass(frozen=True)
class GrantSpec:
    """One grant as the API shows it: principal is ``user:<username>`` or ``group:<name>``."""

    principal: str
    permission: str


def document_acl(uow: UnitOfWork, principal: Principal, document_id: int) -> dict:
    """The document's grants for a manager to see (the viewing is audited)."""
    described = document_grants(uow, principal, document_id)
    record(uow.session, principal, "acl.view", object_type="document", object_id=document_id)
    uow.commit()
    return described


def document_grants(uow: UnitOfWork, principal: Principal, document_id: int) -> dict:
    """The same, unaudited: for a page whose visit is audited already (document.view)."""
    document = require_document(uow.session, principal, document_id, "manage")
    return _describe_document(uow.session, document)


def replace_document_acl(
    uow: UnitOfWork,
    principal: Principal,
    document_id: int,
    inherit: bool,
    grants: list[GrantSpec],
    expected_revision: int | None = None,
) -> dict:
    """Replace the document's own grants and its inheritance flag in one commit, on top of
    the grants as last committed; with ``expected_revision`` (the revision the caller read),
    only if nobody changed the document since (PreconditionFailed). Returns the grants as
    they now are."""
    document = document_for_change(uow.session, principal, document_id, "manage", expected_revision)
    edit_document_acl(uow, principal, document, inherit, grants)
    uow.commit()
    return _describe_document(uow.session, document)


def edit_document_acl(
    uow: UnitOfWork,
    principal: Principal,
    document: Document,
    inherit: bool,
    grants: list[GrantSpec],
    details: Mapping[str, object] | None = None,
) -> None:
    """replace_document_acl on a document the caller may manage, audited (with
    ``details`` added to the event's) but not committed: a bulk job commits it with
    its progress."""
    session = uow.session
    before = {"inherit": document.inherit_acl, "grants": _grants_on(session, document)}
    resolved = [resolve_grant(session, spec) for spec in grants]
    session.execute(delete(Grant).where(Grant.document_id == document.id))
    for user, group, permission in resolved:
        session.add(Grant(permission=permission, user=user, group=group, document_id=document.id))
    document.inherit_acl = inherit
    # A change of the document: its index entry (the readers field) must follow, and
    # the recovery of lost index refreshes tells stale entries by this time.
    document.updated_at = uow.clock.now()
    session.flush()
    if not has_permission(session, principal, document, "manage"):
        # Undone at once: the caller may go on using this unit of work (a page drawn again).
        uow.rollback()
        raise InvalidInput(
            "this change would take away your own manage permission; keep a manage grant "
            "for yourself or one of your groups, or ask an archivist",
            field="grants",
        )
    after = {"inherit": inherit, "grants": _grants_on(session, document)}
    record(
        session,
        principal,
        "acl.change",
        object_type="document",
        object_id=document.id,
        details={"before": before, "after": after, **(details or {})},
    )
    uow.refresh_index([document.id])


def unit_acl(uow: UnitOfWork, principal: Principal, unit_name: str) -> dict:
    unit = _unit_named(uow, principal, unit_name, "unit.acl.read")
    record(uow.session, principal, "acl.view", object_type="unit", object_id=unit.name)
    uow.commit()
    return _describe_unit(uow.session, unit)


def replace_unit_acl(
    uow: UnitOfWork, principal: Principal, unit_name: str, grants: list[GrantSpec]
) -> dict:
    """Replace a unit's grants; every document of the unit inherits them, so each one's
    index entry is refreshed after the commit. Returns the grants as they now are."""
    session = uow.session
    unit = _unit_named(uow, principal, unit_name, "unit.acl")
    before = _grants_on(session, unit)
    resolved = [resolve_grant(session, spec) for spec in grants]
    session.execute(delete(Grant).where(Grant.unit_id == unit.id))
    for user, group, permission in resolved:
        session.add(Grant(permission=permission, user=user, group=group, unit_id=unit.id))
    # Every document of the unit changes readers (see replace_document_acl), and what its
    # ACL shows: a new revision (the statement bypasses the ORM's version counter).
    session.execute(
        update(Document)
        .where(Document.unit_id == unit.id)
        .values(updated_at=uow.clock.now(), revision=Document.revision + 1)
    )
    session.flush()
    record(
        session,
        principal,
        "acl.change",
        object_type="unit",
        object_id=unit.name,
        details={"before": before, "after": _grants_on(session, unit)},
    )
    uow.refresh_index(session.scalars(select(Document.id).where(Document.unit_id == unit.id)))
    uow.commit()
    return _describe_unit(session, unit)


def document_history(
    uow: UnitOfWork, principal: Principal, document_id: int, page: int, size: int
) -> tuple[Document, EventPage]:
    """What was done to one document, newest first, for its managers (not only auditors):
    they answer for who may see it. The consultation is audited like any other."""
    document = require_document(uow.session, principal, document_id, "manage")
    found = search_events(uow.session, principal, EventFilters(document_id=document_id), page, size)
    return document, found


def _describe_document(session: Session, document: Document) -> dict:
    return {
        "document_id": document.id,
        # what a change of these grants sends back as its expected_revision (If-Match)
        "revision": document.revision,
        "inherit": document.inherit_acl,
        "unit": document.unit.name if document.unit else None,
        "grants": _grants_on(session, document),
        "inherited": _grants_on(session, document.unit) if document.unit is not None else [],
    }


def _describe_unit(session: Session, unit: Unit) -> dict:
    return {"unit": unit.name, "grants": _grants_on(session, unit)}


def _unit_named(uow: UnitOfWork, principal: Principal, unit_name: str, rule: str) -> Unit:
    authorize(principal, rule)
    unit = uow.session.scalars(select(Unit).where(Unit.name == unit_name)).one_or_none()
    if unit is None:
        raise NotFound(f"no unit named {unit_name!r}")
    return unit


def _grants_on(session: Session, holder: Document | Unit) -> list[dict]:
    return [asdict(spec) for spec in grant_specs(session, holder)]


def grant_specs(session: Session, holder: Document | Unit) -> list[GrantSpec]:
    """The grants given on the document or unit itself (not those a document inherits)."""
    condition: ColumnElement[bool] = (
        Grant.document_id == holder.id
        if isinstance(holder, Document)
        else Grant.unit_id == holder.id
    )
    grants = session.scalars(select(Grant).where(condition).order_by(Grant.id))
    return [_spec_of(grant) for grant in grants]


def _spec_of(grant: Grant) -> GrantSpec:
    # The one_principal constraint sets exactly one of the two.
    if grant.user is not None:
        return GrantSpec(f"user:{grant.user.username}", grant.permission)
    if grant.group is not None:
        return GrantSpec(f"group:{grant.group.name}", grant.permission)
    raise ValueError(f"grant {grant.id} names neither a user nor a group")


def resolve_grant(session: Session, spec: GrantSpec) -> tuple[User | None, Group | None, str]:
    if spec.permission not in PERMISSIONS:
        raise InvalidInput(
            f"unknown permission {spec.permission!r}; use one of {', '.join(PERMISSIONS)}",
            field="grants",
        )
    kind, _, name = spec.principal.partition(":")
    if kind == "user":
        user = session.scalars(select(User).where(User.username == name)).one_or_none()
        if user is None:
            raise InvalidInput(f"no user named {name!r}", field="grants")
        return user, None, spec.permission
    if kind == "group":
        group = session.scalars(select(Group).where(Group.name == name)).one_or_none()
        if group is None:
            raise InvalidInput(f"no group named {name!r}", field="grants")
        return None, group, spec.permission
    raise InvalidInput(
        f"a grant's principal is 'user:<name>' or 'group:<name>', not {spec.principal!r}",
        field="grants",
    )
