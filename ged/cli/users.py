"""``ged user``, ``ged group``, ``ged unit``, ``ged token``: accounts and who they belong to."""

from __future__ import annotations

import sys
from datetime import datetime

import click

from ged.access import command_line
from ged.cli.invocation import unit_of_work
from ged.models import ROLES, TOKEN_SCOPES
from ged.services import second_factor, tokens, users


@click.group()
def user() -> None:
    """User accounts."""


@user.command("create")
@click.argument("name")
@click.option("--role", required=True, type=click.Choice(ROLES))
@click.option(
    "--group", "groups", multiple=True, help="Make the user a member of this group (repeatable)."
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.pass_context
def user_create(
    ctx: click.Context, name: str, role: str, groups: tuple[str, ...], password_stdin: bool
) -> None:
    """Create the account NAME with ROLE (asks for a password unless it is a station)."""
    if password_stdin:
        password: str | None = sys.stdin.readline().rstrip("\n")
    elif role == "station":
        password = None
    else:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    with unit_of_work(ctx) as uow:
        created = users.create_user(uow, command_line(), name, role, password, groups)
        click.echo(f"created {created.role} {created.username} (id {created.id})")


@user.command("update")
@click.argument("name")
@click.option("--role", type=click.Choice(ROLES), help="New role.")
@click.option("--group", "groups", multiple=True, help="Replace the user's groups (repeatable).")
@click.option("--no-groups", is_flag=True, help="Remove the user from every group.")
@click.option(
    "--enable/--disable", "active", default=None, help="Allow or refuse logins and tokens."
)
@click.pass_context
def user_update(
    ctx: click.Context,
    name: str,
    role: str | None,
    groups: tuple[str, ...],
    no_groups: bool,
    active: bool | None,
) -> None:
    """Change the role, groups or state of the account NAME (accounts are never deleted)."""
    new_groups = () if no_groups else (groups or None)
    with unit_of_work(ctx) as uow:
        updated = users.update_user(
            uow, command_line(), name, role=role, is_active=active, groups=new_groups
        )
        state = "active" if updated.is_active else "disabled"
        names = ", ".join(group.name for group in updated.groups) or "no group"
        click.echo(f"{updated.username}: {updated.role}, {state}, {names}")


@user.command("reset-second-factor")
@click.argument("name")
@click.pass_context
def user_reset_second_factor(ctx: click.Context, name: str) -> None:
    """Remove the second factor of the account NAME (a lost phone and no recovery code left):
    its next login sets up a new one if its role requires it."""
    with unit_of_work(ctx) as uow:
        second_factor.reset(uow, command_line(), name)
        click.echo(f"{name}: second factor removed, recovery codes deleted")


@click.group()
def group() -> None:
    """Groups of users."""


@group.command("create")
@click.argument("name")
@click.pass_context
def group_create(ctx: click.Context, name: str) -> None:
    """Create the group NAME."""
    with unit_of_work(ctx) as uow:
        created = users.create_group(uow, command_line(), name)
        click.echo(f"created group {created.name} (id {created.id})")


@click.group()
def unit() -> None:
    """Units (services, departments) that own documents."""


@unit.command("create")
@click.argument("name")
@click.pass_context
def unit_create(ctx: click.Context, name: str) -> None:
    """Create the unit NAME."""
    with unit_of_work(ctx) as uow:
        created = users.create_unit(uow, command_line(), name)
        click.echo(f"created unit {created.name} (id {created.id})")


@click.group()
def token() -> None:
    """API tokens for scripts and scanner stations."""


@token.command("create")
@click.argument("username")
@click.option(
    "--name", "label", default="", help="What the token is for (default: USERNAME's token)."
)
@click.option(
    "--scope",
    type=click.Choice(TOKEN_SCOPES),
    default="full",
    show_default=True,
    help="read: reads only; upload: files documents and versions only (a scanner station).",
)
@click.option(
    "--valid-through",
    "valid_through",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Last day (UTC, YYYY-MM-DD) the token works; default: until revoked.",
)
@click.pass_context
def token_create(
    ctx: click.Context, username: str, label: str, scope: str, valid_through: datetime | None
) -> None:
    """Print a new API token for USERNAME. It is shown once: store it now."""
    expires_at = tokens.valid_through(valid_through.date()) if valid_through else None
    with unit_of_work(ctx) as uow:
        created, clear = tokens.create_token(
            uow,
            command_line(),
            username,
            label or f"{username}'s token",
            scope=scope,
            expires_at=expires_at,
        )
        click.echo(clear)
        click.echo(
            f"token {created.id} ({created.label!r}) created; it will not be shown again", err=True
        )


@token.command("revoke")
@click.argument("token_id", type=int)
@click.pass_context
def token_revoke(ctx: click.Context, token_id: int) -> None:
    """Revoke the token TOKEN_ID at once."""
    with unit_of_work(ctx) as uow:
        revoked = tokens.revoke_token(uow, command_line(), token_id)
        click.echo(f"token {revoked.id} ({revoked.label!r}) revoked", err=True)


COMMANDS = (user, group, unit, token)
