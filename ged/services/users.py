"""Accounts, groups and units: the directory an administrator keeps."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ged.errors import Conflict, InvalidInput, NotFound
from ged.models import ROLES, Group, Unit, User
from ged.passwords import MIN_LENGTH, hash_password


class UserExists(Conflict):
    pass


class InvalidUser(InvalidInput):
    pass


def create_user(
    session: Session, username: str, role: str, password: str | None, groups: tuple[str, ...] = ()
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
    session.commit()
    return user


def has_admin(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.role == "admin").limit(1)) is not None


def create_group(session: Session, name: str) -> Group:
    name = name.strip()
    if not name or len(name) > 150:
        raise InvalidUser("a group name must have 1 to 150 characters")
    if session.scalar(select(Group.id).where(Group.name == name)) is not None:
        raise UserExists(f"a group named {name!r} already exists")
    group = Group(name=name)
    session.add(group)
    session.commit()
    return group


def groups_named(session: Session, names: tuple[str, ...]) -> list[Group]:
    groups = list(session.scalars(select(Group).where(Group.name.in_(names))))
    unknown = set(names) - {group.name for group in groups}
    if unknown:
        raise InvalidUser(f"unknown group(s): {', '.join(sorted(unknown))}; create them first")
    return groups


def create_unit(session: Session, name: str) -> Unit:
    name = " ".join(name.split())
    if not name or len(name) > 200:
        raise InvalidUser("a unit name must have 1 to 200 characters")
    if session.scalar(select(Unit.id).where(Unit.name == name)) is not None:
        raise UserExists(f"a unit named {name!r} already exists")
    unit = Unit(name=name)
    session.add(unit)
    session.commit()
    return unit


def update_user(
    session: Session,
    username: str,
    *,
    role: str | None = None,
    is_active: bool | None = None,
    groups: tuple[str, ...] | None = None,
    display_name: str | None = None,
) -> User:
    """Change an account; accounts are disabled, never deleted, so the audit trail keeps its actors."""
    user = user_named(session, username)
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
    session.commit()
    return user


def user_named(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user
