"""API tokens: shown once, stored as a SHA-256, revocable at once; optionally limited in
time (``expires_at``) and in what they may do (``scope``, enforced by ged.access)."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from ged.access import Principal, authorize, principal_for
from ged.audit.chain import record
from ged.errors import GedError, InvalidInput, NotFound
from ged.models import TOKEN_SCOPES, ApiToken, User
from ged.services.paging import Page, PageOf, paginate
from ged.timeutil import aware
from ged.uow import UnitOfWork

PREFIX = "ged_"
#: last_used_at is refreshed at most this often, so reads do not turn into writes
LAST_USED_PRECISION = timedelta(minutes=1)


def valid_through(day: date) -> datetime:
    """The expiry of a token valid through ``day`` (a UTC day), as people name it: the
    moment that day ends."""
    return datetime.combine(day + timedelta(days=1), time(), tzinfo=UTC)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenExpired(GedError):
    """A token used past its expiry (answered 401, saying when it expired)."""

    def __init__(self, expired_at: datetime) -> None:
        super().__init__(
            f"this API token expired on {expired_at:%Y-%m-%d at %H:%M} UTC; "
            "ask an administrator for a new one"
        )
        self.expired_at = expired_at


def create_token(
    uow: UnitOfWork,
    principal: Principal,
    username: str,
    label: str,
    scope: str = "full",
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Return the stored token and its clear value, which is never kept and never shown again.
    ``scope``: one of TOKEN_SCOPES; ``expires_at``: refused from then on (None: never)."""
    authorize(principal, "token.create")
    session = uow.session
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"no user named {username!r}")
    label = label.strip()
    if not label or len(label) > 200:
        raise InvalidInput("a token needs a label of 1 to 200 characters", field="label")
    if scope not in TOKEN_SCOPES:
        raise InvalidInput(
            f"unknown token scope {scope!r}; choose one of {', '.join(TOKEN_SCOPES)}",
            field="scope",
        )
    if expires_at is not None:
        expires_at = aware(expires_at).astimezone(UTC)
        if expires_at <= datetime.now(UTC):
            raise InvalidInput(
                f"expires_at must be in the future, not {expires_at:%Y-%m-%d %H:%M} UTC",
                field="expires_at",
            )
    clear = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user, label=label, token_hash=hash_token(clear), scope=scope, expires_at=expires_at
    )
    session.add(token)
    session.flush()
    record(
        session,
        principal,
        "token.create",
        object_type="token",
        object_id=token.id,
        details={
            "user": username,
            "label": label,
            "scope": scope,
            "expires_at": expires_at.isoformat() if expires_at else None,
        },
    )
    uow.commit()
    return token, clear


def list_tokens(
    uow: UnitOfWork, principal: Principal, page: Page | None = None
) -> PageOf[ApiToken]:
    """The tokens, oldest first (never their value: only its hash is kept)."""
    authorize(principal, "token.list")
    return paginate(uow.session, select(ApiToken).order_by(ApiToken.id), page)


def revoke_token(uow: UnitOfWork, principal: Principal, token_id: int) -> ApiToken:
    authorize(principal, "token.revoke")
    token = uow.session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
        record(
            uow.session,
            principal,
            "token.revoke",
            object_type="token",
            object_id=token.id,
            details={"user": token.user.username, "label": token.label},
        )
        uow.commit()
    return token


def authenticate_token(
    uow: UnitOfWork, clear: str, ip: str | None, user_agent: str | None
) -> Principal | None:
    """Who holds the live token ``clear`` (its user active), with the token's scope, or
    None; TokenExpired past its expiry. Its use is audited at most once per
    LAST_USED_PRECISION, together with the last-used time."""
    # One statement for the token, its user and the user's groups (the principal): it
    # runs before every API request, and lazy loads would make it three.
    token = (
        uow.session.scalars(
            select(ApiToken)
            .where(ApiToken.token_hash == hash_token(clear), ApiToken.revoked_at.is_(None))
            .options(joinedload(ApiToken.user).joinedload(User.groups))
        )
        .unique()
        .one_or_none()
    )
    if token is None or not token.user.is_active:
        return None
    now = datetime.now(UTC)
    if token.expires_at is not None and aware(token.expires_at) <= now:
        raise TokenExpired(aware(token.expires_at))
    principal = principal_for(token.user, token.label, ip, user_agent, scope=token.scope)
    last = token.last_used_at
    if last is None or now - aware(last) > LAST_USED_PRECISION:
        token.last_used_at = now
        record(uow.session, principal, "token.use", object_type="token", object_id=token.id)
        uow.commit()
    return principal
