"""What an account holder sees of their own account: name, role, unit, groups, how they log in."""

from __future__ import annotations

from ged.access import Principal
from ged.errors import NotFound
from ged.models import User
from ged.uow import UnitOfWork


def own_account(uow: UnitOfWork, principal: Principal) -> User:
    """The caller's own account (anyone logged in may see theirs; the command line has none)."""
    user = uow.session.get(User, principal.user_id) if principal.user_id is not None else None
    if user is None:
        raise NotFound("this caller has no account of its own")
    return user
