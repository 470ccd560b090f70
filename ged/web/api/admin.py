"""/api/v1/admin: users, groups, units and API tokens (administrators; units: archivists too)."""

from __future__ import annotations

from apiflask import APIBlueprint

from ged.services import second_factor, tokens, users
from ged.services.paging import Page
from ged.web.api.contract import errors
from ged.web.api.paging import LINKS, paged
from ged.web.api.schemas.admin import (
    CreatedToken,
    GroupOut,
    GroupPage,
    NewGroup,
    NewToken,
    NewUnit,
    NewUser,
    TokenOut,
    TokenPage,
    UnitOut,
    UnitPage,
    UserEdit,
    UserOut,
    UserPage,
)
from ged.web.api.schemas.common import PageQuery
from ged.web.context import principal, uow

bp = APIBlueprint("admin", __name__, url_prefix="/api/v1/admin", tag="Administration")


@bp.get("/users")
@bp.input(PageQuery, location="query")
@bp.output(UserPage, description="one page of accounts, by user name", headers=LINKS)
@bp.doc(summary="Accounts", responses=errors(400, 403))
def list_users(query_data: PageQuery):
    found = users.list_users(uow(), principal(), _page(query_data))
    return paged(found, "users", [UserOut.of(user) for user in found.items])


@bp.post("/users")
@bp.input(NewUser, location="json")
@bp.output(UserOut, status_code=201, description="the account")
@bp.doc(summary="Create an account", responses=errors(400, 403, 409, 415))
def create_user(json_data: NewUser):
    user = users.create_user(
        uow(),
        principal(),
        json_data.username,
        json_data.role,
        json_data.password,
        tuple(json_data.groups),
    )
    return UserOut.of(user)


@bp.patch("/users/<username>")
@bp.input(UserEdit, location="json")
@bp.output(UserOut, description="the account as it now is")
@bp.doc(
    summary="Change role, groups, display name, or disable/enable an account",
    responses=errors(400, 403, 404, 409, 415),
)
def update_user(username: str, json_data: UserEdit):
    user = users.update_user(
        uow(),
        principal(),
        username,
        role=json_data.role,
        is_active=json_data.is_active,
        groups=tuple(json_data.groups) if json_data.groups is not None else None,
        display_name=json_data.display_name,
    )
    return UserOut.of(user)


@bp.delete("/users/<username>/second-factor")
@bp.output(UserOut, description="the account, now without a second factor")
@bp.doc(
    summary="Reset an account's second factor (a lost phone)",
    description="Its secret and recovery codes are deleted; if its role requires a second "
    "factor, its next login in the web UI sets up a new one. Not one's own.",
    responses=errors(403, 404, 409),
)
def reset_second_factor(username: str):
    return UserOut.of(second_factor.reset(uow(), principal(), username))


@bp.get("/groups")
@bp.input(PageQuery, location="query")
@bp.output(GroupPage, description="one page of groups with their members", headers=LINKS)
@bp.doc(summary="Groups", responses=errors(400, 403))
def list_groups(query_data: PageQuery):
    found = users.list_groups(uow(), principal(), _page(query_data))
    return paged(
        found,
        "groups",
        [GroupOut(name=g.name, members=sorted(u.username for u in g.members)) for g in found.items],
    )


@bp.post("/groups")
@bp.input(NewGroup, location="json")
@bp.output(GroupOut, status_code=201, description="the group")
@bp.doc(summary="Create a group", responses=errors(400, 403, 409, 415))
def create_group(json_data: NewGroup):
    group = users.create_group(uow(), principal(), json_data.name)
    return GroupOut(name=group.name, members=[])


@bp.get("/units")
@bp.input(PageQuery, location="query")
@bp.output(UnitPage, description="one page of units", headers=LINKS)
@bp.doc(summary="Units", responses=errors(400, 403))
def list_units(query_data: PageQuery):
    found = users.list_units(uow(), principal(), _page(query_data))
    return paged(found, "units", [UnitOut(name=unit.name) for unit in found.items])


@bp.post("/units")
@bp.input(NewUnit, location="json")
@bp.output(UnitOut, status_code=201, description="the unit")
@bp.doc(summary="Create a unit", responses=errors(400, 403, 409, 415))
def create_unit(json_data: NewUnit):
    unit = users.create_unit(uow(), principal(), json_data.name)
    return UnitOut(name=unit.name)


@bp.get("/tokens")
@bp.input(PageQuery, location="query")
@bp.output(TokenPage, description="one page of API tokens (never their value)", headers=LINKS)
@bp.doc(summary="API tokens", responses=errors(400, 403))
def list_tokens(query_data: PageQuery):
    found = tokens.list_tokens(uow(), principal(), _page(query_data))
    return paged(found, "tokens", [TokenOut.of(token) for token in found.items])


@bp.post("/tokens")
@bp.input(NewToken, location="json")
@bp.output(CreatedToken, status_code=201, description="the token; its value is shown once")
@bp.doc(summary="Create a token", responses=errors(400, 403, 404, 415))
def create_token(json_data: NewToken):
    created, clear = tokens.create_token(
        uow(),
        principal(),
        json_data.username,
        json_data.label,
        scope=json_data.scope,
        expires_at=json_data.expires_at,
    )
    return CreatedToken(**TokenOut.of(created).model_dump(), token=clear)


@bp.delete("/tokens/<int:token_id>")
@bp.output({}, status_code=204, description="revoked")
@bp.doc(summary="Revoke a token at once", responses=errors(403, 404, 409))
def revoke_token(token_id: int):
    tokens.revoke_token(uow(), principal(), token_id)
    return ""


def _page(query: PageQuery) -> Page:
    return Page(query.page, query.size)
