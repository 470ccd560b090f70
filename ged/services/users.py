"""Creating and listing accounts."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from ged.errors import GedError
from ged.models import ROLES, User
from ged.passwords import MIN_LENGTH, hash_password


class UserExists(GedError):
    pass


class InvalidUser(GedError):
    pass


def create_user(session: Session, username: str, role: str, password: str | None) -> User:
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
    )
    session.add(user)
    session.commit()
    return user


def has_admin(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.role == "admin").limit(1)) is not None
