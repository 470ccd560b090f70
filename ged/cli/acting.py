"""``--as NAME``: commands whose act belongs to a named person (proposing, deciding, a
transfer) run as that account, recorded as such in the audit trail, not as the server's
operator."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

from ged.access import Principal, command_line, principal_for
from ged.errors import PermissionDenied
from ged.services import users
from ged.uow import UnitOfWork

Command = TypeVar("Command", bound=Callable)


def as_option(function: Command) -> Command:
    return click.option(
        "--as", "acting", required=True, metavar="NAME", help="The account acting."
    )(function)


def acting_principal(uow: UnitOfWork, name: str) -> Principal:
    """The account ``name`` as the caller; a disabled account may not act."""
    user = users.user_named(uow, command_line(), name)
    if not user.is_active:
        raise PermissionDenied(f"the account {name!r} is disabled")
    return principal_for(user)
