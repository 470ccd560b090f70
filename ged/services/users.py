"""Accounts, groups and units: the directory an administrator keeps."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ged.access import Principal
from ged.audit.chain import edit_details, record
from ged.errors import Conflict, InvalidInput, NotFound
from ged.models import ROLES, Group, Unit, User
from ged.passwords import MIN_LENGTH, hash_password


class UserExists(Conflict):
    pass


class InvalidUser(InvalidInput):
    pass


def create_user(
    session: Session,
    username: str,
    role: str,
    password: str | None,
    groups: tuple[str, ...] = (),
    actor: Principal | None = None,
) -> User:
    """Create an account; stations may have no password (they use API tokens)."""
    username = username.strip()
    if not username or len(username) > 150 or any(ch.isspace() for ch in username):
        raise InvalidUser("the user name must be 1 to 150 characters without spaces")
    if role not in ROLES:
        raise InvalidUser(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
    if password is None and role != "station":
        raise InvalidUser(f"a {role} account needs a password")
    if password is not None and len(password) < MIN_LENGTH:
        raise InvalidUser(f"the password must have at least {MIN_LENGTH} characters")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise UserExists(f"a user named {username!r} already exists")
    user = User(
        username=username,
        role=role,
        password_hash=hash_password(password) if password is not None else None,
        groups=groups_named(session, groups),
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor,
        "user.create",
        object_type="user",
        object_id=user.username,
        details={"role": role, "groups": sorted(groups)},
    )
    session.commit()
    return user


def has_admin(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.role == "admin").limit(1)) is not None


def create_group(session: Session, name: str, actor: Principal | None = None) -> Group:
    return _create_named(session, Group, "group", name, 150, actor)


def groups_named(session: Session, names: tuple[str, ...]) -> list[Group]:
    groups = list(session.scalars(select(Group).where(Group.name.in_(names))))
    unknown = set(names) - {group.name for group in groups}
    if unknown:
        raise InvalidUser(f"unknown group(s): {', '.join(sorted(unknown))}; create them first")
    return groups


def create_unit(session: Session, name: str, actor: Principal | None = None) -> Unit:
    return _create_named(session, Unit, "unit", name, 200, actor)


def _create_named(
    session: Session, model, kind: str, name: str, limit: int, actor: Principal | None
):
    """A group or a unit: a unique name (spaces collapsed), audited."""
    name = " ".join(name.split())
    if not name or len(name) > limit:
        raise InvalidUser(f"a {kind} name must have 1 to {limit} characters")
    if session.scalar(select(model.id).where(model.name == name)) is not None:
        raise UserExists(f"a {kind} named {name!r} already exists")
    created = model(name=name)
    session.add(created)
    record(session, actor, f"{kind}.create", object_type=kind, object_id=name)
    session.commit()
    return created


def update_user(
    session: Session,
    username: str,
    *,
    role: str | None = None,
    is_active: bool | None = None,
    groups: tuple[str, ...] | None = None,
    display_name: str | None = None,
    actor: Principal | None = None,
) -> User:
    """Change an account; accounts are disabled, never deleted, so the audit trail keeps its actors."""
    user = user_named(session, username)
    before = _account_of(user)
    if role is not None:
        if role not in ROLES:
            raise InvalidUser(f"unknown role {role!r}; choose one of {', '.join(ROLES)}")
        user.role = role
    if is_active is not None:
        user.is_active = is_active
    if groups is not None:
        user.groups = groups_named(session, groups)
    if display_name is not None:
        user.display_name = display_name.strip()[:200]
    record(
        session,
        actor,
        "user.update",
        object_type="user",
        object_id=user.username,
        details=edit_details(before, _account_of(user)),
    )
    session.commit()
    return user


def _account_of(user: User) -> dict:
    return {
        "role": user.role,
        "is_active": user.is_active,
        "groups": sorted(group.name for group in user.groups),
        "display_name": user.display_name,
    }


def user_named(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user
