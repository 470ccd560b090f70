"""Accounts, groups and units: the directory an administrator keeps.

Every use case takes the unit of work and the acting Principal (the command line's is
``ged.access.command_line()``) and is authorized by its line of ``ged.access.RULES``,
so the API, the UI and the command line refuse the same people.
"""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from ged.access import Principal, authorize
from ged.audit.chain import edit_details, record
from ged.errors import Conflict, InvalidInput, NotFound
from ged.models import ROLES, Group, Unit, User
from ged.passwords import MIN_LENGTH, hash_password
from ged.services.paging import Page, PageOf, paginate
from ged.services.sessions import end_sessions_of
from ged.uow import UnitOfWork

Named = TypeVar("Named", Group, Unit)


class UserExists(Conflict):
    pass


class InvalidUser(InvalidInput):
    pass


def create_user(
    uow: UnitOfWork,
    principal: Principal,
    username: str,
    role: str,
    password: str | None,
    groups: tuple[str, ...] = (),
) -> User:
    """Create an account; stations may have no password (they use API tokens)."""
    authorize(principal, "user.create")
    session = uow.session
    username = username.strip()
    if not username or len(username) > 150 or any(ch.isspace() for ch in username):
        raise InvalidUser("the user name must be 1 to 150 characters without spaces")
    _check_role(role)
    if password is None and role != "station":
        raise InvalidUser(f"a password is required for the role {role}: only stations go without")
    if password is not None and len(password) < MIN_LENGTH:
        raise InvalidUser(f"the password must have at least {MIN_LENGTH} characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserExists(f"a user named {username!r} already exists")
    user = User(
        username=username,
        role=role,
        password_hash=hash_password(password) if password is not None else None,
        groups=_groups_named(session, groups),
    )
    session.add(user)
    session.flush()
    record(
        session,
        principal,
        "user.create",
        object_type="user",
        object_id=user.username,
        details={"role": role, "groups": sorted(groups)},
    )
    uow.commit()
    return user


def update_user(
    uow: UnitOfWork,
    principal: Principal,
    username: str,
    *,
    role: str | None = None,
    is_active: bool | None = None,
    groups: tuple[str, ...] | None = None,
    display_name: str | None = None,
) -> User:
    """Change an account; accounts are disabled, never deleted, so the audit trail keeps its
    actors. Disabling one ends its sessions at once (its tokens are refused from then on)."""
    authorize(principal, "user.update")
    session = uow.session
    user = _user_named(session, username)
    if user.id == principal.user_id and (is_active is False or role not in (None, user.role)):
        # The last administrator could otherwise lock everyone out of administration.
        raise Conflict(
            "you may not disable your own account or change your own role; "
            "ask another administrator"
        )
    before = _account_of(user)
    if role is not None:
        _check_role(role)
        user.role = role
    if is_active is not None:
        user.is_active = is_active
        if not is_active:
            end_sessions_of(uow, user, "account_disabled", by=principal)
    if groups is not None:
        user.groups = _groups_named(session, groups)
    if display_name is not None:
        user.display_name = display_name.strip()[:200]
    record(
        session,
        principal,
        "user.update",
        object_type="user",
        object_id=user.username,
        details=edit_details(before, _account_of(user)),
    )
    uow.commit()
    return user


def create_group(uow: UnitOfWork, principal: Principal, name: str) -> Group:
    authorize(principal, "group.create")
    return _create_named(uow, principal, Group, "group", name, 150)


def create_unit(uow: UnitOfWork, principal: Principal, name: str) -> Unit:
    authorize(principal, "unit.create")
    return _create_named(uow, principal, Unit, "unit", name, 200)


def list_users(uow: UnitOfWork, principal: Principal, page: Page | None = None) -> PageOf[User]:
    authorize(principal, "user.list")
    return paginate(uow.session, select(User).order_by(User.username), page)


def user_named(uow: UnitOfWork, principal: Principal, username: str) -> User:
    """One account, for whoever may see the list of accounts."""
    authorize(principal, "user.list")
    return _user_named(uow.session, username)


def list_groups(uow: UnitOfWork, principal: Principal, page: Page | None = None) -> PageOf[Group]:
    authorize(principal, "group.list")
    return paginate(uow.session, select(Group).order_by(Group.name), page)


def list_units(uow: UnitOfWork, principal: Principal, page: Page | None = None) -> PageOf[Unit]:
    authorize(principal, "unit.list")
    return paginate(uow.session, select(Unit).order_by(Unit.name), page)


def has_admin(uow: UnitOfWork) -> bool:
    """Whether any administrator exists: asked by ``ged up`` before there is anyone to ask as."""
    query = select(User.id).where(User.role == "admin").limit(1)
    return uow.session.scalar(query) is not None


def _create_named(
    uow: UnitOfWork,
    principal: Principal,
    model: type[Named],
    kind: str,
    name: str,
    limit: int,
) -> Named:
    """A group or a unit: a unique name (spaces collapsed), audited."""
    session = uow.session
    name = " ".join(name.split())
    if not name or len(name) > limit:
        raise InvalidUser(f"a {kind} name must have 1 to {limit} characters")
    if session.scalar(select(model.id).where(model.name == name)) is not None:
        raise UserExists(f"a {kind} named {name!r} already exists")
    created = model(name=name)
    session.add(created)
    record(session, principal, f"{kind}.create", object_type=kind, object_id=name)
    uow.commit()
    return created


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidUser(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")


def _groups_named(session: Session, names: tuple[str, ...]) -> list[Group]:
    groups = list(session.scalars(select(Group).where(Group.name.in_(names))))
    unknown = set(names) - {group.name for group in groups}
    if unknown:
        raise InvalidUser(f"unknown group(s): {', '.join(sorted(unknown))}; create them first")
    return groups


def _user_named(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user


def _account_of(user: User) -> dict:
    return {
        "role": user.role,
        "is_active": user.is_active,
        "groups": sorted(group.name for group in user.groups),
        "display_name": user.display_name,
    }
