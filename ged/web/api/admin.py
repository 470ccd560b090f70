"""/api/v1/admin: users, groups, units and API tokens (administrators; units: archivists too)."""

from __future__ import annotations

from apiflask import APIBlueprint

from ged.errors import InvalidInput
from ged.models import ApiToken, User
from ged.services import tokens, users
from ged.timeutil import iso
from ged.web.api.inputs import json_object, string_field
from ged.web.context import principal, uow

bp = APIBlueprint("admin", __name__, url_prefix="/api/v1/admin", tag="Administration")


@bp.get("/users")
@bp.doc(summary="Every account")
def list_users():
    return {"users": [_user_json(user) for user in users.list_users(uow(), principal())]}


@bp.post("/users")
@bp.doc(summary='Create an account: JSON {"username", "role", "password"?, "groups"?}')
def create_user():
    body = json_object()
    password = body.get("password")
    if password is not None and not isinstance(password, str):
        raise InvalidInput("password must be a string", field="password")
    user = users.create_user(
        uow(),
        principal(),
        string_field(body, "username"),
        string_field(body, "role"),
        password,
        tuple(_names(body, "groups")),
    )
    return _user_json(user), 201


@bp.patch("/users/<username>")
@bp.doc(summary="Change role, groups, display name, or disable/enable an account")
def update_user(username: str):
    body = json_object()
    unknown = set(body) - {"role", "is_active", "groups", "display_name"}
    if unknown:
        raise InvalidInput(
            f"unknown field(s): {', '.join(sorted(unknown))}", field=sorted(unknown)[0]
        )
    if "is_active" in body and not isinstance(body["is_active"], bool):
        raise InvalidInput("is_active must be true or false", field="is_active")
    user = users.update_user(
        uow(),
        principal(),
        username,
        role=body.get("role"),
        is_active=body.get("is_active"),
        groups=tuple(_names(body, "groups")) if "groups" in body else None,
        display_name=body.get("display_name"),
    )
    return _user_json(user)


@bp.get("/groups")
@bp.doc(summary="Every group with its members")
def list_groups():
    found = users.list_groups(uow(), principal())
    return {
        "groups": [
            {"name": g.name, "members": sorted(u.username for u in g.members)} for g in found
        ]
    }


@bp.post("/groups")
@bp.doc(summary='Create a group: JSON {"name"}')
def create_group():
    group = users.create_group(uow(), principal(), string_field(json_object(), "name"))
    return {"name": group.name, "members": []}, 201


@bp.get("/units")
@bp.doc(summary="Every unit")
def list_units():
    return {"units": [{"name": unit.name} for unit in users.list_units(uow(), principal())]}


@bp.post("/units")
@bp.doc(summary='Create a unit: JSON {"name"}')
def create_unit():
    unit = users.create_unit(uow(), principal(), string_field(json_object(), "name"))
    return {"name": unit.name}, 201


@bp.get("/tokens")
@bp.doc(summary="Every API token (never its value)")
def list_tokens():
    return {"tokens": [_token_json(token) for token in tokens.list_tokens(uow(), principal())]}


@bp.post("/tokens")
@bp.doc(summary='Create a token: JSON {"username", "label"}; the value is shown once')
def create_token():
    body = json_object()
    created, clear = tokens.create_token(
        uow(), principal(), string_field(body, "username"), string_field(body, "label")
    )
    return {**_token_json(created), "token": clear}, 201


@bp.delete("/tokens/<int:token_id>")
@bp.doc(summary="Revoke a token at once")
def revoke_token(token_id: int):
    tokens.revoke_token(uow(), principal(), token_id)
    return "", 204


def _names(body: dict, field: str) -> list[str]:
    value = body.get(field, [])
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise InvalidInput(f"{field} must be a list of names", field=field)
    return value


def _user_json(user: User) -> dict:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "is_active": user.is_active,
        "groups": sorted(group.name for group in user.groups),
        "created_at": iso(user.created_at),
    }


def _token_json(token: ApiToken) -> dict:
    return {
        "id": token.id,
        "username": token.user.username,
        "label": token.label,
        "created_at": iso(token.created_at),
        "last_used_at": iso(token.last_used_at),
        "revoked_at": iso(token.revoked_at),
    }
