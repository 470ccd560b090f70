"""Reading and replacing ACL grants on documents and units."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from ged.access import Principal, has_permission, require_document
from ged.audit.chain import record
from ged.errors import InvalidInput, NotFound, PermissionDenied
from ged.models import PERMISSIONS, Document, Grant, Group, Unit, User


@dataclass(frozen=True)
class GrantSpec:
    """One grant as the API shows it: principal is ``user:<username>`` or ``group:<name>``."""

    principal: str
    permission: str


def describe(grant: Grant) -> GrantSpec:
    who = (
        f"user:{grant.user.username}" if grant.user_id is not None else f"group:{grant.group.name}"
    )
    return GrantSpec(who, grant.permission)


def document_acl(session: Session, principal: Principal, document_id: int) -> dict:
    """The document's grants for a manager to see (the viewing is audited)."""
    document = require_document(session, principal, document_id, "manage")
    record(session, principal, "acl.view", object_type="document", object_id=document_id)
    session.commit()
    return describe_document_acl(session, document)


def describe_document_acl(session: Session, document: Document) -> dict:
    return {
        "document_id": document.id,
        "inherit": document.inherit_acl,
        "unit": document.unit.name if document.unit else None,
        "grants": _grants_on(session, Grant.document_id == document.id),
        "inherited": _grants_on(session, Grant.unit_id == document.unit_id)
        if document.unit_id is not None
        else [],
    }


def replace_document_acl(
    session: Session,
    principal: Principal,
    document_id: int,
    inherit: bool,
    grants: list[GrantSpec],
) -> Document:
    """Replace the document's own grants and its inheritance flag in one commit."""
    document = require_document(session, principal, document_id, "manage")
    before = {
        "inherit": document.inherit_acl,
        "grants": _grants_on(session, Grant.document_id == document.id),
    }
    resolved = [_resolve(session, spec) for spec in grants]
    session.execute(delete(Grant).where(Grant.document_id == document.id))
    for user, group, permission in resolved:
        session.add(Grant(permission=permission, user=user, group=group, document_id=document.id))
    document.inherit_acl = inherit
    session.flush()
    if not has_permission(session, principal, document, "manage"):
        session.rollback()
        raise InvalidInput(
            "this change would take away your own manage permission; keep a manage grant "
            "for yourself or one of your groups, or ask an archivist",
            field="grants",
        )
    after = {"inherit": inherit, "grants": _grants_on(session, Grant.document_id == document.id)}
    record(
        session,
        principal,
        "acl.change",
        object_type="document",
        object_id=document_id,
        details={"before": before, "after": after},
    )
    session.commit()
    return document


def unit_acl(session: Session, principal: Principal, unit_name: str) -> dict:
    unit = _unit_for_admin(session, principal, unit_name)
    record(session, principal, "acl.view", object_type="unit", object_id=unit.name)
    session.commit()
    return describe_unit_acl(session, unit)


def describe_unit_acl(session: Session, unit: Unit) -> dict:
    return {"unit": unit.name, "grants": _grants_on(session, Grant.unit_id == unit.id)}


def replace_unit_acl(
    session: Session, principal: Principal, unit_name: str, grants: list[GrantSpec]
) -> Unit:
    unit = _unit_for_admin(session, principal, unit_name)
    before = _grants_on(session, Grant.unit_id == unit.id)
    resolved = [_resolve(session, spec) for spec in grants]
    session.execute(delete(Grant).where(Grant.unit_id == unit.id))
    for user, group, permission in resolved:
        session.add(Grant(permission=permission, user=user, group=group, unit_id=unit.id))
    session.flush()
    record(
        session,
        principal,
        "acl.change",
        object_type="unit",
        object_id=unit.name,
        details={"before": before, "after": _grants_on(session, Grant.unit_id == unit.id)},
    )
    session.commit()
    return unit


def documents_of_unit(session: Session, unit: Unit) -> list[int]:
    return list(session.scalars(select(Document.id).where(Document.unit_id == unit.id)))


def _unit_for_admin(session: Session, principal: Principal, unit_name: str) -> Unit:
    if not principal.sees_everything:
        raise PermissionDenied("only an archivist or an administrator manages a unit's grants")
    unit = session.scalars(select(Unit).where(Unit.name == unit_name)).one_or_none()
    if unit is None:
        raise NotFound(f"no unit named {unit_name!r}")
    return unit


def _grants_on(session: Session, condition) -> list[dict]:
    grants = session.scalars(select(Grant).where(condition).order_by(Grant.id))
    return [describe(grant).__dict__ for grant in grants]


def _resolve(session: Session, spec: GrantSpec) -> tuple[User | None, Group | None, str]:
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
