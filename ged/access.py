"""Access control: the one place that decides who may read, write or manage a document.

Rules (deny by default):

- admin and archivist manage every document, deleted ones included (archivists
  run the archive: they restore, correct and re-grant);
- everyone else has exactly what grants give them: a grant on the document's
  unit is inherited while the document's ``inherit_acl`` is true; grants on the
  document itself always apply (so a document can widen its unit's access, or,
  with ``inherit_acl`` false, narrow it to its own list);
- permissions nest: manage ⊃ write ⊃ read; a grant to a group applies to its
  members;
- a deleted document exists only for admins and archivists;
- a destroyed document is Gone (410, with its tombstone) for those who could know of it:
  admins, archivists, the archives authority, and whoever held a grant on it;
- a document the caller may not read is reported as missing (404), never as
  forbidden, so its existence does not leak;
- what is not about one document (administration, the audit log, maintenance) is
  allowed by role, in one table, ``RULES``; services call ``authorize()`` with a rule
  name, so the API, the UI and the command line obey the same line of that table.
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, or_, select, true
from sqlalchemy.orm import Session

from ged.errors import DocumentDestroyed, DocumentNotFound, GedError, PermissionDenied
from ged.models import Document, Grant, Tombstone, User

LEVELS = {"read": 1, "write": 2, "manage": 3}
#: roles that manage every document whatever the grants say
ARCHIVE_ROLES = frozenset({"admin", "archivist"})
_ADMINS = frozenset({"admin"})
_AUDITORS = frozenset({"admin", "auditor"})


@dataclass(frozen=True)
class Rule:
    roles: frozenset[str]
    #: said to whoever is refused
    refusal: str


_ADMINISTRATION = Rule(_ADMINS, "this is reserved to administrators")
_UNITS = Rule(ARCHIVE_ROLES, "only an archivist or an administrator manages units")
_AUDIT = Rule(_AUDITORS, "the audit log is reserved to auditors and administrators")
_OPERATIONS = Rule(_ADMINS, "this maintenance task is reserved to administrators")
#: who gives or refuses the visa on a disposal list (never its proposer, whatever the role)
AUTHORITY_ROLES = frozenset({"archives_authority"})
#: roles that review the archive, and file nothing into it
_NON_FILING = frozenset({"auditor", *AUTHORITY_ROLES})
_RECORDS_MANAGERS = "only an archivist or an administrator"

#: use case -> who may run it. Document use cases are decided by grants instead.
RULES: dict[str, Rule] = {
    "user.list": _ADMINISTRATION,
    "user.create": _ADMINISTRATION,
    "user.update": _ADMINISTRATION,
    # a lost phone: the account sets up a new second factor at its next login
    "second_factor.reset": _ADMINISTRATION,
    "group.list": _ADMINISTRATION,
    "group.create": _ADMINISTRATION,
    "token.list": _ADMINISTRATION,
    "token.create": _ADMINISTRATION,
    "token.revoke": _ADMINISTRATION,
    "watch.counters": _ADMINISTRATION,
    "webhook.list": _ADMINISTRATION,
    "webhook.create": _ADMINISTRATION,
    "webhook.deactivate": _ADMINISTRATION,
    "webhook.deliveries": _ADMINISTRATION,
    "webhook.retry": _ADMINISTRATION,
    "unit.list": _UNITS,
    "unit.create": _UNITS,
    "unit.acl": Rule(
        ARCHIVE_ROLES, "only an archivist or an administrator manages a unit's grants"
    ),
    # Starting one: each document is still decided by its own grants when the job runs.
    "bulk.start": Rule(
        ARCHIVE_ROLES, "only an archivist or an administrator changes documents in bulk"
    ),
    # Everyone sees the jobs they started; these roles see everyone's.
    "bulk.read_any": _ADMINISTRATION,
    "disposal.read": Rule(
        ARCHIVE_ROLES | AUTHORITY_ROLES,
        "disposal queues and lists are for archivists, administrators and the archives authority",
    ),
    "disposal.propose": Rule(
        ARCHIVE_ROLES, "only an archivist or an administrator proposes documents for disposal"
    ),
    "disposal.approve": Rule(
        AUTHORITY_ROLES, "only the archives authority gives or refuses the visa on a disposal list"
    ),
    # Running an approved list by hand (the workers run it on their own after the visa).
    "disposal.execute": _OPERATIONS,
    "audit.events": _AUDIT,
    "audit.export": _AUDIT,
    "audit.verify": _AUDIT,
    "audit.seal": _OPERATIONS,
    "audit.purge": _OPERATIONS,
    "index.rebuild": _OPERATIONS,
    "pipeline.reconcile": _OPERATIONS,
    "storage.check": _OPERATIONS,
    "classifier.train": _OPERATIONS,
    # the tableau de gestion: auditors read it to check what the archive applies
    "retention.read": Rule(
        frozenset({"admin", "archivist", "auditor"}),
        "retention rules are shown to archivists, auditors and administrators",
    ),
    "retention.manage": Rule(ARCHIVE_ROLES, f"{_RECORDS_MANAGERS} changes retention rules"),
    "hold.read": Rule(ARCHIVE_ROLES, f"{_RECORDS_MANAGERS} sees legal holds"),
    "hold.place": Rule(ARCHIVE_ROLES, f"{_RECORDS_MANAGERS} places legal holds"),
    "hold.release": Rule(ARCHIVE_ROLES, f"{_RECORDS_MANAGERS} releases legal holds"),
    # transfers to the archives (versements): the archives authority follows them too
    "transfer.read": Rule(
        ARCHIVE_ROLES | AUTHORITY_ROLES,
        "transfers to the archives are for archivists, administrators and the archives authority",
    ),
    "transfer.prepare": Rule(
        ARCHIVE_ROLES, f"{_RECORDS_MANAGERS} prepares a transfer to the archives"
    ),
    "transfer.reply": Rule(
        ARCHIVE_ROLES, f"{_RECORDS_MANAGERS} records the archives' reply to a transfer"
    ),
}


@dataclass(frozen=True)
class Principal:
    """Who is calling: resolved once per request (or job) and passed to every service."""

    #: None for the command line, which acts as the operator of the server
    user_id: int | None
    username: str
    role: str
    group_ids: frozenset[int]
    #: label of the API token used, None for a browser session or the CLI
    token_label: str | None = None
    #: where the request came from, for the audit trail (None for the CLI and jobs)
    ip: str | None = None
    user_agent: str | None = None

    @property
    def sees_everything(self) -> bool:
        return self.role in ARCHIVE_ROLES

    @property
    def acl_keys(self) -> list[str]:
        """The identities a search index ACL field is matched against."""
        return [f"user:{self.user_id}", *(f"group:{gid}" for gid in sorted(self.group_ids))]


def authorize(principal: Principal, rule: str) -> None:
    """Raise PermissionDenied (naming the rule) unless the principal's role may ``rule``."""
    allowed_by = RULES[rule]
    if principal.role not in allowed_by.roles:
        raise PermissionDenied(allowed_by.refusal, rule=rule)


def may(principal: Principal, rule: str) -> bool:
    return principal.role in RULES[rule].roles


def command_line() -> Principal:
    """Whoever runs ``ged`` on the server has its database and keys: an administrator,
    recorded in the audit trail under the operating-system account's name."""
    return Principal(
        user_id=None, username=f"cli:{getpass.getuser()}", role="admin", group_ids=frozenset()
    )


def principal_for(
    user: User,
    token_label: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        group_ids=frozenset(group.id for group in user.groups),
        token_label=token_label,
        ip=ip,
        user_agent=user_agent,
    )


def _grants_of(principal: Principal) -> ColumnElement[bool]:
    conditions = [Grant.user_id == principal.user_id]
    if principal.group_ids:
        conditions.append(Grant.group_id.in_(principal.group_ids))
    return or_(*conditions)


def _grants_on_document(principal: Principal, levels: list[str]) -> ColumnElement[bool]:
    """SQL: the principal holds one of ``levels`` on ``Document`` (own or inherited grant)."""
    own = exists().where(
        Grant.document_id == Document.id, Grant.permission.in_(levels), _grants_of(principal)
    )
    inherited = exists().where(
        Grant.unit_id == Document.unit_id, Grant.permission.in_(levels), _grants_of(principal)
    )
    return or_(own, and_(Document.inherit_acl.is_(true()), inherited))


def allowed(principal: Principal, permission: str) -> ColumnElement[bool]:
    """SQL filter on Document: the principal has at least ``permission``."""
    if principal.sees_everything:
        return true()
    levels = [name for name, level in LEVELS.items() if level >= LEVELS[permission]]
    return and_(Document.status == "active", _grants_on_document(principal, levels))


def require_document(
    session: Session, principal: Principal, document_id: int, permission: str
) -> Document:
    """Load a document the principal may act on with ``permission``.

    Raises DocumentNotFound when it does not exist or cannot even be read, and
    PermissionDenied when it can be read but not with ``permission``.
    """
    query = select(Document).where(Document.id == document_id, allowed(principal, "read"))
    document = session.scalars(query).one_or_none()
    if document is None or document.status == "destroyed":
        raise _missing(session, principal, document_id)
    if permission != "read" and not has_permission(session, principal, document, permission):
        verb = {"write": "modify", "manage": "manage"}[permission]
        raise PermissionDenied(
            f"you may read document {document_id} but not {verb} it", rule=f"document.{permission}"
        )
    return document


def _missing(session: Session, principal: Principal, document_id: int) -> GedError:
    """Why a document cannot be had: destroyed (to those who may know it existed), or not
    found."""
    tombstone = session.get(Tombstone, document_id)
    if tombstone is None:
        return DocumentNotFound(document_id)
    knew = principal.sees_everything or principal.role in AUTHORITY_ROLES
    if not knew:
        granted = _grants_on_document(principal, list(LEVELS))
        knew = session.scalar(select(Document.id).where(Document.id == document_id, granted))
    if not knew:
        return DocumentNotFound(document_id)
    return DocumentDestroyed(document_id, tombstone.as_dict())


def has_permission(
    session: Session, principal: Principal, document: Document, permission: str
) -> bool:
    query = select(Document.id).where(Document.id == document.id, allowed(principal, permission))
    return session.scalar(query) is not None


def may_file_into_unit(session: Session, principal: Principal, unit_id: int | None) -> bool:
    """Creating a document in a unit needs write on the unit (or an archive role)."""
    if principal.sees_everything:
        return True
    if principal.role in _NON_FILING:
        return False
    if unit_id is None:
        return True
    query = select(Grant.id).where(
        Grant.unit_id == unit_id, Grant.permission.in_(["write", "manage"]), _grants_of(principal)
    )
    return session.scalar(query.limit(1)) is not None
