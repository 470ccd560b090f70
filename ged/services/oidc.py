"""Single sign-on: the account an OpenID provider's checked claims name, created at its
first login (just in time) and brought up to date at every login after, and the audit of
every failure. The tokens themselves are checked in ged.services.oidc_tokens.

Which claims name the agent and how their values map to ged's groups, unit and role is
``[oidc]`` (ged.config.OidcSettings). Only the groups a mapping names follow the provider:
an agent removed from a group there leaves that group in ged at the next login, while the
groups an administrator gave by hand stay.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from ged.access import principal_for
from ged.audit.chain import edit_details, record
from ged.config import OidcSettings
from ged.models import Group, Unit, User
from ged.services.oidc_tokens import LogoutToken, OidcRefused
from ged.services.sessions import end_provider_sessions
from ged.uow import UnitOfWork

__all__ = ["OidcRefused", "provider_logout", "record_failure", "sign_in"]


@dataclass
class _Wanted:
    """The account as the claims describe it."""

    username: str
    display_name: str
    role: str | None  # None: no role mapping, the role stays what it is
    unit: Unit | None
    unit_managed: bool
    groups: list[Group]
    managed_groups: frozenset[str]
    unknown: list[str] = field(default_factory=list)


def sign_in(
    uow: UnitOfWork,
    settings: OidcSettings,
    claims: Mapping[str, Any],
    *,
    ip: str | None,
    user_agent: str | None,
) -> User:
    """The account behind checked claims, created or updated from them, with the login
    audited; committed. Raises OidcRefused (account_disabled, missing_claim,
    account_conflict) before changing anything."""
    session = uow.session
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    user = session.scalars(
        select(User).where(User.oidc_issuer == issuer, User.oidc_subject == subject)
    ).one_or_none()
    if user is not None and not user.is_active:
        raise OidcRefused("account_disabled", f"the account {user.username!r} is disabled in ged")
    wanted = _wanted(session, settings, claims)
    holder = session.scalars(select(User).where(User.username == wanted.username)).one_or_none()
    if user is None:
        if holder is not None:
            # Never merged by name: the provider's say-so on an e-mail address is no proof
            # that its agent owns the local account of the same name.
            raise OidcRefused(
                "account_conflict",
                f"a ged account named {wanted.username!r} already exists and is not linked "
                "to this provider: an administrator must rename or remove it first",
            )
        user = _create(session, settings, issuer, subject, wanted)
    else:
        _update(session, user, wanted, username_free=holder in (None, user))
    record(
        session,
        principal_for(user, None, ip, user_agent),
        "login",
        details={"method": "oidc", "issuer": issuer},
    )
    uow.commit()
    return user


def record_failure(
    uow: UnitOfWork,
    refused: OidcRefused,
    *,
    issuer: str,
    actor: str | None,
    ip: str | None,
    user_agent: str | None,
    action: str = "oidc.login.failed",
) -> None:
    """Audit a refused single sign-on (or back-channel logout), alone in its transaction."""
    uow.session.rollback()
    record(
        uow.session,
        None,
        action,
        outcome="denied",
        actor=(actor or "oidc")[:150],
        ip=ip,
        user_agent=user_agent,
        details={"reason": refused.reason, "detail": str(refused), "issuer": issuer},
    )
    uow.commit()


def provider_logout(uow: UnitOfWork, issuer: str, logout: LogoutToken) -> int:
    """End the sessions a checked back-channel logout token names; returns how many."""
    return end_provider_sessions(uow, issuer, sid=logout.sid, subject=logout.subject)


def _create(
    session: Session, settings: OidcSettings, issuer: str, subject: str, wanted: _Wanted
) -> User:
    user = User(
        username=wanted.username,
        display_name=wanted.display_name,
        role=wanted.role or settings.default_role,
        password_hash=None,  # single sign-on only: no local password to guess
        oidc_issuer=issuer,
        oidc_subject=subject,
        unit=wanted.unit,
        groups=wanted.groups,
    )
    session.add(user)
    session.flush()
    _record_account(
        session,
        "oidc.account.create",
        user,
        {**_account_of(user), "issuer": issuer, "subject": subject, **_unknown(wanted)},
    )
    return user


def _update(session: Session, user: User, wanted: _Wanted, *, username_free: bool) -> None:
    before = _account_of(user)
    if username_free:
        user.username = wanted.username
    user.display_name = wanted.display_name
    if wanted.role is not None:
        user.role = wanted.role
    if wanted.unit_managed:
        user.unit = wanted.unit
    kept = [group for group in user.groups if group.name not in wanted.managed_groups]
    user.groups = kept + [group for group in wanted.groups if group not in kept]
    after = _account_of(user)
    if after != before:
        _record_account(
            session,
            "oidc.account.update",
            user,
            {**edit_details(before, after), **_unknown(wanted)},
        )


def _record_account(session: Session, action: str, user: User, details: dict) -> None:
    """Audit a change the provider made to an account (no ged user acted)."""
    record(
        session,
        None,
        action,
        object_type="user",
        object_id=user.username,
        actor=f"oidc:{user.oidc_issuer}"[:150],
        details=details,
    )


def _wanted(session: Session, settings: OidcSettings, claims: Mapping[str, Any]) -> _Wanted:
    username = _first(claims, settings.username_claim)
    if not username or len(username) > 150 or any(ch.isspace() for ch in username):
        raise OidcRefused(
            "missing_claim",
            f"the provider sent no usable {settings.username_claim!r} claim to name the account",
        )
    family = next(
        (name for claim in settings.family_name_claims if (name := _first(claims, claim))), ""
    )
    display_name = " ".join(filter(None, [_first(claims, settings.given_name_claim), family]))
    unknown: list[str] = []
    group_names = _mapped(claims, settings.group_claims)
    groups = list(session.scalars(select(Group).where(Group.name.in_(group_names))))
    unknown += sorted(set(group_names) - {group.name for group in groups})
    unit = None
    unit_names = _mapped(
        claims, {k: {v: (n,) for v, n in m.items()} for k, m in settings.unit_claims.items()}
    )
    if unit_names:
        unit = session.scalars(select(Unit).where(Unit.name == unit_names[0])).one_or_none()
        if unit is None:
            unknown.append(unit_names[0])
    roles = _mapped(
        claims, {k: {v: (r,) for v, r in m.items()} for k, m in settings.role_claims.items()}
    )
    return _Wanted(
        username=username,
        display_name=(display_name or username)[:200],
        role=(roles[0] if roles else settings.default_role) if settings.role_claims else None,
        unit=unit,
        unit_managed=bool(settings.unit_claims),
        groups=groups,
        managed_groups=frozenset(
            name
            for mapping in settings.group_claims.values()
            for names in mapping.values()
            for name in names
        ),
        unknown=unknown,
    )


def _mapped(
    claims: Mapping[str, Any], mappings: Mapping[str, Mapping[str, tuple[str, ...]]]
) -> list[str]:
    """The targets of every claim value a mapping names, in the mappings' order, once each."""
    found: list[str] = []
    for claim, mapping in mappings.items():
        values = set(_values(claims, claim))
        for value, targets in mapping.items():
            if value in values:
                found += [target for target in targets if target not in found]
    return found


def _values(claims: Mapping[str, Any], claim: str) -> list[str]:
    """A claim's values as text: a list (Keycloak's groups) or one value (ProConnect's)."""
    value = claims.get(claim)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    return [str(item) for item in items if isinstance(item, str | int | float)]


def _first(claims: Mapping[str, Any], claim: str) -> str:
    values = _values(claims, claim)
    return values[0].strip() if values else ""


def _account_of(user: User) -> dict[str, Any]:
    return {
        "username": user.username,
        "display_name": user.display_name,
        "role": user.role,
        "unit": user.unit.name if user.unit else None,
        "groups": sorted(group.name for group in user.groups),
    }


def _unknown(wanted: _Wanted) -> dict[str, Any]:
    """Mapped groups and units that do not exist in ged: skipped, and said in the event."""
    return {"not_in_ged": wanted.unknown} if wanted.unknown else {}
