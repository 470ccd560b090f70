"""STAND-IN until the server-side sessions (issue 17, helper S) land: only what single
sign-on calls, with the same signatures, on the same ``user_sessions`` table. The real
module replaces this file whole; ``session_open`` is this stand-in's own and goes with it.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select, update

from ged.models import SESSION_METHODS, User, UserSession
from ged.uow import UnitOfWork

_MAX_LENGTH = timedelta(hours=12)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def open_session(
    uow: UnitOfWork,
    user: User,
    *,
    method: str,
    ip: str | None,
    user_agent: str | None,
    provider_sid: str | None = None,
    id_token: str | None = None,
) -> str:
    """Start a session for ``user`` and return its key, for the cookie only."""
    if method not in SESSION_METHODS:
        raise ValueError(f"method must be one of {SESSION_METHODS}, not {method!r}")
    key = secrets.token_urlsafe(32)
    now = uow.clock.now()
    uow.session.add(
        UserSession(
            user_id=user.id,
            key_hash=hash_key(key),
            method=method,
            created_at=now,
            last_seen_at=now,
            expires_at=now + _MAX_LENGTH,
            ip=ip[:45] if ip else None,
            user_agent=user_agent[:300] if user_agent else None,
            provider_sid=provider_sid,
            id_token=id_token,
        )
    )
    uow.commit()
    return key


def session_open(uow: UnitOfWork, key: str) -> UserSession | None:
    """The live session of a cookie's key (stand-in only)."""
    return uow.session.scalars(
        select(UserSession).where(
            UserSession.key_hash == hash_key(key), UserSession.ended_at.is_(None)
        )
    ).one_or_none()


def end_provider_sessions(
    uow: UnitOfWork,
    issuer: str,
    sid: str | None = None,
    subject: str | None = None,
    reason: str = "provider_logout",
) -> int:
    """End the single sign-on sessions a provider's logout names; committed."""
    if sid is None and subject is None:
        raise ValueError("a provider logout names a sid, a subject, or both")
    users = select(User.id).where(User.oidc_issuer == issuer)
    if subject is not None:
        users = users.where(User.oidc_subject == subject)
    query = (
        update(UserSession)
        .where(
            UserSession.method == "oidc",
            UserSession.ended_at.is_(None),
            UserSession.user_id.in_(users),
        )
        .values(ended_at=uow.clock.now(), end_reason=reason)
    )
    if sid is not None:
        query = query.where(UserSession.provider_sid == sid)
    ended = int(uow.session.execute(query).rowcount or 0)  # type: ignore[attr-defined]
    uow.commit()
    return ended
