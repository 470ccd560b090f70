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
  name, so the API, the UI and the command line obey the same line of that table;
- an API token's scope narrows its account's rights, here and nowhere else, deny by
  default: ``read`` uses only the rules that read and the read level on documents;
  ``upload`` files documents and adds versions (``may_file_into_unit``,
  ``require_document(..., new_version=True)``) and nothing else: no rule, no list, no
  search, no document read. Each rule says whether it reads (``Rule.reads``).
"""

from __future__ import annotations

import getpass
from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Session

from ged.errors import DocumentDestroyed, DocumentNotFound, GedError, PermissionDenied
from ged.models import ROLES, Document, Grant, Tombstone, User

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
    #: True when the use case only reads: a read-only API token may use it, and no other.
    #: No default, so that no rule is added without saying.
    reads: bool


@dataclass(frozen=True)
class Audience:
    """Who may, and what the others are told: shared by rules that read and that change."""

    roles: frozenset[str]
    refusal: str

    def reads(self) -> Rule:
        return Rule(self.roles, self.refusal, reads=True)

    def changes(self) -> Rule:
        return Rule(self.roles, self.refusal, reads=False)


_ADMINISTRATION = Audience(_ADMINS, "this is reserved to administrators")
_UNITS = Audience(ARCHIVE_ROLES, "only an archivist or an administrator manages units")
_AUDIT = Audience(_AUDITORS, "the audit log is reserved to auditors and administrators")
_OPERATIONS = Audience(_ADMINS, "this maintenance task is reserved to administrators")
#: one's own account: its password, its sessions, the jobs it started
_OWN = Audience(frozenset(ROLES), "every account may")
#: who gives or refuses the visa on a disposal list (never its proposer, whatever the role)
AUTHORITY_ROLES = frozenset({"archives_authority"})
#: roles that review the archive, and file nothing into it
_NON_FILING = frozenset({"auditor", *AUTHORITY_ROLES})
_RECORDS_MANAGERS = "only an archivist or an administrator"
_UNIT_GRANTS = Audience(ARCHIVE_ROLES, f"{_RECORDS_MANAGERS} manages a unit's grants")
_OTHERS_SESSIONS = Audience(_ADMINS, "only an administrator sees and ends others' sessions")

#: use case -> who may run it. Document use cases are decided by grants instead.
RULES: dict[str, Rule] = {
    "user.list": _ADMINISTRATION.reads(),
    "user.create": _ADMINISTRATION.changes(),
    "user.update": _ADMINISTRATION.changes(),
    # a lost phone: the account sets up a new second factor at its next login
    "second_factor.reset": _ADMINISTRATION.changes(),
    "group.list": _ADMINISTRATION.reads(),
    "group.create": _ADMINISTRATION.changes(),
    "token.list": _ADMINISTRATION.reads(),
    "token.create": _ADMINISTRATION.changes(),
    "token.revoke": _ADMINISTRATION.changes(),
    "watch.counters": _ADMINISTRATION.reads(),
    "webhook.list": _ADMINISTRATION.reads(),
    "webhook.create": _ADMINISTRATION.changes(),
    "webhook.deactivate": _ADMINISTRATION.changes(),
    "webhook.deliveries": _ADMINISTRATION.reads(),
    "webhook.retry": _ADMINISTRATION.changes(),
    "unit.list": _UNITS.reads(),
    "unit.create": _UNITS.changes(),
    "unit.acl": _UNIT_GRANTS.changes(),
    "unit.acl.read": _UNIT_GRANTS.reads(),
    # Starting one: each document is still decided by its own grants when the job runs.
    "bulk.start": Audience(
        ARCHIVE_ROLES, "only an archivist or an administrator changes documents in bulk"
    ).changes(),
    # Everyone sees the jobs they started; these roles see everyone's.
    "bulk.read": _OWN.reads(),
    "bulk.read_any": _ADMINISTRATION.reads(),
    # scanned batches: everyone sees those they submitted; archivists and admins, all
    "batch.read": _OWN.reads(),
    "batch.read_any": Audience(ARCHIVE_ROLES, f"{_RECORDS_MANAGERS} sees others' batches").reads(),
    "batch.resplit": Audience(ARCHIVE_ROLES, f"{_RECORDS_MANAGERS} splits a batch again").changes(),
    "disposal.read": Audience(
        ARCHIVE_ROLES | AUTHORITY_ROLES,
        "disposal queues and lists are for archivists, administrators and the archives authority",
    ).reads(),
    "disposal.propose": Audience(
        ARCHIVE_ROLES, "only an archivist or an administrator proposes documents for disposal"
    ).changes(),
    "disposal.approve": Audience(
        AUTHORITY_ROLES, "only the archives authority gives or refuses the visa on a disposal list"
    ).changes(),
    # Running an approved list by hand (the workers run it on their own after the visa).
    "disposal.execute": _OPERATIONS.changes(),
    "audit.events": _AUDIT.reads(),
    "audit.export": _AUDIT.reads(),
    "audit.verify": _AUDIT.reads(),
    "audit.seal": _OPERATIONS.changes(),
    "audit.purge": _OPERATIONS.changes(),
    "index.rebuild": _OPERATIONS.changes(),
    "pipeline.reconcile": _OPERATIONS.changes(),
    "storage.check": _OPERATIONS.reads(),
    "backup.verify": _OPERATIONS.reads(),
    "storage.migrate": _OPERATIONS.changes(),
    "classifier.train": _OPERATIONS.changes(),
    # the tableau de gestion: auditors read it to check what the archive applies
    "retention.read": Audience(
        frozenset({"admin", "archivist", "auditor"}),
        "retention rules are shown to archivists, auditors and administrators",
    ).reads(),
    "retention.manage": Audience(
        ARCHIVE_ROLES, f"{_RECORDS_MANAGERS} changes retention rules"
    ).changes(),
    # deleted documents exist only for these roles, who restore them (the corbeille)
    "document.deleted.list": Audience(
        ARCHIVE_ROLES, f"{_RECORDS_MANAGERS} sees the deleted documents"
    ).reads(),
    "hold.read": Audience(ARCHIVE_ROLES, f"{_RECORDS_MANAGERS} sees legal holds").reads(),
    "hold.place": Audience(ARCHIVE_ROLES, f"{_RECORDS_MANAGERS} places legal holds").changes(),
    "hold.release": Audience(ARCHIVE_ROLES, f"{_RECORDS_MANAGERS} releases legal holds").changes(),
    # transfers to the archives (versements): the archives authority follows them too
    "transfer.read": Audience(
        ARCHIVE_ROLES | AUTHORITY_ROLES,
        "transfers to the archives are for archivists, administrators and the archives authority",
    ).reads(),
    "transfer.prepare": Audience(
        ARCHIVE_ROLES, f"{_RECORDS_MANAGERS} prepares a transfer to the archives"
    ).changes(),
    "transfer.reply": Audience(
        ARCHIVE_ROLES, f"{_RECORDS_MANAGERS} records the archives' reply to a transfer"
    ).changes(),
    "password.change": _OWN.changes(),
    # one's saved searches and those shared with one's groups, each run as the viewer;
    # update renames, shares, changes or deletes one's own
    "saved_search.list": _OWN.reads(),
    "saved_search.create": _OWN.changes(),
    "saved_search.update": _OWN.changes(),
    # one's own browser sessions; an administrator's are anyone's
    "session.list": _OWN.reads(),
    "session.end": _OWN.changes(),
    "session.read_any": _OTHERS_SESSIONS.reads(),
    "session.end_any": _OTHERS_SESSIONS.changes(),
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
    #: the server-side browser session (UserSession.id) the request came with, if any
    session_id: int | None = None
    #: the API token's scope (ged.models.TOKEN_SCOPES): "full" for sessions and the CLI
    scope: str = "full"

    @property
    def sees_everything(self) -> bool:
        return self.role in ARCHIVE_ROLES

    @property
    def acl_keys(self) -> list[str]:
        """The identities a search index ACL field is matched against."""
        return [f"user:{self.user_id}", *(f"group:{gid}" for gid in sorted(self.group_ids))]


def authorize(principal: Principal, rule: str) -> None:
    """Raise PermissionDenied (naming the rule) unless the principal's role may ``rule``
    and its token's scope allows what the rule does."""
    allowed_by = RULES[rule]
    if principal.role not in allowed_by.roles:
        raise PermissionDenied(allowed_by.refusal, rule=rule)
    if not _scope_allows(principal, allowed_by):
        raise _scope_refusal(principal)


def may(principal: Principal, rule: str) -> bool:
    allowed_by = RULES[rule]
    return principal.role in allowed_by.roles and _scope_allows(principal, allowed_by)


#: the highest document permission (LEVELS) each token scope may use. A scope not here
#: (upload, or one added to TOKEN_SCOPES and forgotten here) uses none: deny by default
_SCOPE_CEILING = {"full": LEVELS["manage"], "read": LEVELS["read"]}
#: the scopes that may file documents (with the account's own right to)
_FILING_SCOPES = frozenset({"full", "upload"})
_UPLOAD_ONLY = (
    "this API token may only file documents and add versions: it may not read, list or "
    "search the archive, nor change anything else"
)
_READ_ONLY = "this API token is read-only: it may not change anything"


def _scope_allows(principal: Principal, rule: Rule) -> bool:
    if principal.scope == "full":
        return True
    return principal.scope == "read" and rule.reads


def _scope_refusal(principal: Principal, detail: str | None = None) -> PermissionDenied:
    message = _READ_ONLY if principal.scope == "read" else _UPLOAD_ONLY
    return PermissionDenied(
        f"{message} ({detail})" if detail else message, rule=f"token.scope.{principal.scope}"
    )


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
    *,
    session_id: int | None = None,
    scope: str = "full",
) -> Principal:
    return Principal(
        user_id=user.id,
        username=user.username,
        role=user.role,
        group_ids=frozenset(group.id for group in user.groups),
        token_label=token_label,
        ip=ip,
        user_agent=user_agent,
        session_id=session_id,
        scope=scope,
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
    """SQL filter on Document: the principal has at least ``permission``. Every list and
    query of documents goes through it, so an upload-only token is refused here
    (PermissionDenied) and a read-only one finds nothing it could change."""
    ceiling = _SCOPE_CEILING.get(principal.scope)
    if ceiling is None:
        raise _scope_refusal(principal)
    if LEVELS[permission] > ceiling:
        return false()
    return _granted(principal, permission)


def _granted(principal: Principal, permission: str) -> ColumnElement[bool]:
    """``allowed`` by the account's rights alone, once its token's scope is checked."""
    if principal.sees_everything:
        return true()
    levels = [name for name, level in LEVELS.items() if level >= LEVELS[permission]]
    return and_(Document.status == "active", _grants_on_document(principal, levels))


def index_acl(principal: Principal) -> list[str] | None:
    """The ACL every search index query carries: None for the archive roles (everything),
    else the identities the index's ACL field is matched against. An upload-only token may
    not search (PermissionDenied)."""
    if principal.scope not in _SCOPE_CEILING:
        raise _scope_refusal(principal)
    return None if principal.sees_everything else principal.acl_keys


def require_document(
    session: Session,
    principal: Principal,
    document_id: int,
    permission: str,
    *,
    new_version: bool = False,
) -> Document:
    """Load a document the principal may act on with ``permission``; ``new_version``:
    to add a version to it (with write), the one use an upload-only token has of one.

    Raises DocumentNotFound when it does not exist or cannot even be read, and
    PermissionDenied when it can be read but not with ``permission``, or when the
    token's scope does not allow ``permission``.
    """
    ceiling = _SCOPE_CEILING.get(principal.scope)
    if ceiling is None and not (new_version and permission == "write"):
        raise _scope_refusal(principal, f"document {document_id}")
    if ceiling is not None and LEVELS[permission] > ceiling:
        raise _scope_refusal(principal, f"document {document_id}")
    query = select(Document).where(Document.id == document_id, _granted(principal, "read"))
    document = session.scalars(query).one_or_none()
    if document is None or document.status == "destroyed":
        raise _missing(session, principal, document_id)
    if permission != "read" and not _holds(session, principal, document, permission):
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


def _holds(session: Session, principal: Principal, document: Document, permission: str) -> bool:
    query = select(Document.id).where(Document.id == document.id, _granted(principal, permission))
    return session.scalar(query) is not None


def may_file_into_unit(session: Session, principal: Principal, unit_id: int | None) -> bool:
    """Creating a document in a unit needs write on the unit (or an archive role), and a
    token scope that files (not a read-only one)."""
    if principal.scope not in _FILING_SCOPES:
        return False
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


def require_filing(session: Session, principal: Principal, unit_id: int | None, where: str) -> None:
    """Raise PermissionDenied, saying why, unless ``may_file_into_unit``; ``where`` names
    the unit for the message."""
    if principal.scope not in _FILING_SCOPES:
        raise _scope_refusal(principal)
    if not may_file_into_unit(session, principal, unit_id):
        raise PermissionDenied(f"you may not file documents into {where}")
