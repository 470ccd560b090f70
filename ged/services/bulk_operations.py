"""What a bulk job can do to each of its documents: a new type or unit, tags added, removed
or replaced, the grants replaced or added to, a (soft) delete.

An operation is read and checked once, when the job starts (and again when it runs, since
a type or a group may have gone meanwhile); it is applied through the single-document
edits (``edit_metadata``, ``edit_document_acl``, ``remove_document``), so each document
is validated and audited exactly as a PATCH of it, a PUT of its ACL or a DELETE would be
(a document under a legal hold is refused, and listed in the job's errors).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from ged.access import Principal
from ged.errors import InvalidInput
from ged.models import Document
from ged.services.acl import GrantSpec, edit_document_acl, grant_specs, resolve_grant
from ged.services.document_fields import clean_tag_names, type_coded, unit_named
from ged.services.documents import Metadata, edit_metadata, remove_document
from ged.uow import UnitOfWork

#: operation -> the document permission it needs, as its single-document edit does
PERMISSION_OF = {
    "set_document_type": "write",
    "set_unit": "write",
    "add_tags": "write",
    "remove_tags": "write",
    "replace_tags": "write",
    "replace_acl": "manage",
    "add_grants": "manage",
    "delete": "manage",
}
_TAG_KINDS = ("add_tags", "remove_tags", "replace_tags")
_ACL_KINDS = ("replace_acl", "add_grants")


@dataclass(frozen=True)
class Operation:
    kind: str
    document_type: str | None = None
    unit: str | None = None
    tags: tuple[str, ...] = ()
    inherit: bool = True
    grants: tuple[GrantSpec, ...] = ()

    @property
    def permission(self) -> str:
        return PERMISSION_OF[self.kind]

    def as_json(self) -> dict[str, Any]:
        """What the job stores and shows; ``parse_operation`` reads it back."""
        if self.kind == "set_document_type":
            return {"kind": self.kind, "document_type": self.document_type}
        if self.kind == "set_unit":
            return {"kind": self.kind, "unit": self.unit}
        if self.kind == "delete":
            return {"kind": self.kind}
        if self.kind in _TAG_KINDS:
            return {"kind": self.kind, "tags": list(self.tags)}
        grants = [{"principal": g.principal, "permission": g.permission} for g in self.grants]
        if self.kind == "add_grants":
            return {"kind": self.kind, "grants": grants}
        return {"kind": self.kind, "inherit": self.inherit, "grants": grants}


def parse_operation(value: object) -> Operation:
    """An operation from its JSON: {"kind": ..., and the kind's own field(s)}."""
    if not isinstance(value, Mapping) or value.get("kind") not in PERMISSION_OF:
        raise InvalidInput(
            'operation must be an object {"kind": ...}, kind one of ' + ", ".join(PERMISSION_OF),
            field="operation",
        )
    kind = value["kind"]
    if kind == "delete":
        return Operation(kind)
    if kind in ("set_document_type", "set_unit"):
        key = "document_type" if kind == "set_document_type" else "unit"
        named = value.get(key)
        if key not in value or not (named is None or isinstance(named, str)):
            raise InvalidInput(
                f"{kind} needs {key}: a name, or null to clear it", field=f"operation.{key}"
            )
        named = (named or "").strip() or None
        if kind == "set_unit":
            return Operation(kind, unit=named)
        return Operation(kind, document_type=named)
    if kind in _TAG_KINDS:
        return Operation(kind, tags=_tags(value.get("tags"), empty_allowed=kind == "replace_tags"))
    grants = _grants(value.get("grants"), empty_allowed=kind == "replace_acl")
    if kind == "add_grants":  # each document keeps its own inheritance
        return Operation(kind, grants=grants)
    inherit = value.get("inherit", True)
    if not isinstance(inherit, bool):
        raise InvalidInput("inherit must be true or false", field="operation.inherit")
    return Operation(kind, inherit=inherit, grants=grants)


def check_operation(session: Session, operation: Operation) -> None:
    """Refuse an operation naming a type, unit, user or group that does not exist."""
    if operation.kind == "set_document_type":
        type_coded(session, operation.document_type)
    elif operation.kind == "set_unit":
        unit_named(session, operation.unit)
    for grant in operation.grants:
        resolve_grant(session, grant)


def apply_operation(
    uow: UnitOfWork,
    principal: Principal,
    document: Document,
    operation: Operation,
    details: Mapping[str, object],
) -> bool:
    """Apply the operation to a document the principal may change, uncommitted, audited
    with ``details`` added; False (and nothing done) when the document is already so."""
    if operation.kind == "delete":
        if document.status == "deleted":
            return False
        remove_document(uow, principal, document, details)
        return True
    if operation.kind in _ACL_KINDS:
        current = grant_specs(uow.session, document)
        wanted = list(operation.grants)
        inherit = operation.inherit
        if operation.kind == "add_grants":
            wanted = [*current, *(grant for grant in wanted if grant not in current)]
            inherit = document.inherit_acl
        if inherit == document.inherit_acl and set(wanted) == set(current):
            return False
        edit_document_acl(uow, principal, document, inherit, wanted, details)
        return True
    change = _metadata_change(document, operation)
    if change is None:
        return False
    edit_metadata(uow, principal, document, change[0], change[1], details)
    return True


def _metadata_change(document: Document, operation: Operation) -> tuple[Metadata, set[str]] | None:
    """The edit to make, or None when the document already is as the operation asks."""
    if operation.kind == "set_document_type":
        wanted = operation.document_type
        current = document.document_type.code if document.document_type else None
        # The edit also confirms the type (manual, no review): a document whose type was
        # only guessed changes even when the guess was right.
        confirmed = document.classification_source == ("manual" if wanted else None)
        if current == wanted and confirmed and not document.needs_review:
            return None
        return Metadata(document_type=wanted), {"document_type"}
    if operation.kind == "set_unit":
        if (document.unit.name if document.unit else None) == operation.unit:
            return None
        return Metadata(unit=operation.unit), {"unit"}
    names = [tag.name for tag in document.tags]
    if operation.kind == "add_tags":
        wanted_tags = [*names, *(tag for tag in operation.tags if tag not in names)]
    elif operation.kind == "remove_tags":
        wanted_tags = [name for name in names if name not in operation.tags]
    else:
        wanted_tags = list(operation.tags)
    if set(wanted_tags) == set(names):
        return None
    return Metadata(tags=tuple(wanted_tags)), {"tags"}


def _tags(value: object, *, empty_allowed: bool) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise InvalidInput("tags must be a list of tag names", field="operation.tags")
    names = tuple(clean_tag_names(tuple(value)))
    if not names and not empty_allowed:
        raise InvalidInput("name at least one tag", field="operation.tags")
    return names


def _grants(value: object, *, empty_allowed: bool) -> tuple[GrantSpec, ...]:
    if not isinstance(value, list) or not all(
        isinstance(grant, Mapping)
        and isinstance(grant.get("principal"), str)
        and isinstance(grant.get("permission"), str)
        for grant in value
    ):
        raise InvalidInput(
            "grants must be a list of {principal, permission}, both strings",
            field="operation.grants",
        )
    specs = tuple(dict.fromkeys(GrantSpec(g["principal"], g["permission"]) for g in value))
    if not specs and not empty_allowed:
        raise InvalidInput("name at least one grant to add", field="operation.grants")
    return specs
