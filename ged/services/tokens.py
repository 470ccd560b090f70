"""API tokens: shown once, stored as a SHA-256, revocable at once."""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ged.access import Principal, principal_for
from ged.audit.chain import record
from ged.errors import InvalidInput, NotFound
from ged.models import ApiToken, User
from ged.timeutil import aware

PREFIX = "ged_"
#: last_used_at is refreshed at most this often, so reads do not turn into writes
LAST_USED_PRECISION = timedelta(minutes=1)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_token(
    session: Session, username: str, label: str, actor: Principal | None = None
) -> tuple[ApiToken, str]:
    """Return the stored token and its clear value, which is never kept and never shown again."""
    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"no user named {username!r}")
    label = label.strip()
    if not label or len(label) > 200:
        raise InvalidInput("a token needs a label of 1 to 200 characters", field="label")
    clear = PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, label=label, token_hash=hash_token(clear))
    session.add(token)
    session.flush()
    record(
        session,
        actor,
        "token.create",
        object_type="token",
        object_id=token.id,
        details={"user": username, "label": label},
    )
    session.commit()
    return token, clear


def authenticate_token(
    session: Session, clear: str, ip: str | None = None, user_agent: str | None = None
) -> ApiToken | None:
    """The live token matching ``clear`` (its user active), or None. Its use is audited
    at most once per LAST_USED_PRECISION, together with the last-used time."""
    token = session.scalars(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(clear), ApiToken.revoked_at.is_(None)
        )
    ).one_or_none()
    if token is None or not token.user.is_active:
        return None
    now = datetime.now(UTC)
    last = token.last_used_at
    if last is None or now - aware(last) > LAST_USED_PRECISION:
        token.last_used_at = now
        record(
            session,
            principal_for(token.user, token.label, ip, user_agent),
            "token.use",
            object_type="token",
            object_id=token.id,
        )
        session.commit()
    return token


def revoke_token(session: Session, token_id: int, actor: Principal | None = None) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise NotFound(f"no token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = datetime.now(UTC)
        record(
            session,
            actor,
            "token.revoke",
            object_type="token",
            object_id=token.id,
            details={"user": token.user.username, "label": token.label},
        )
        session.commit()
    return token
