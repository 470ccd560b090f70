"""Browser sessions, kept server-side so that they can be ended from anywhere.

The cookie (Flask's signed cookie, which also carries the CSRF token) holds only a random
key; ``user_sessions`` keeps its SHA-256. A session ends on logout, after ``[web]
session_idle_minutes`` without a request, ``session_max_hours`` after its login, when its
user or an administrator ends it, when its account's password changes or the account is
disabled, or when the identity provider says its user logged out there. The row stays,
ended, so that lists and the audit trail can say when and why, until
``purge_ended_sessions`` removes it. Every end is audited: a logout by its ``logout``
event (one action, one event), any other as ``session.end``.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, delete, or_, select, update
from sqlalchemy.orm import joinedload

from ged.access import Principal, authorize, principal_for
from ged.audit.chain import record
from ged.config import WebSettings
from ged.errors import NotFound
from ged.models import SESSION_METHODS, User, UserSession
from ged.timeutil import aware
from ged.uow import UnitOfWork

#: last_seen_at is written at most this often. Without it every page view and every
#: script's GET would be a database write (on SQLite, a wait for the one write lock);
#: an idle timeout counted in minutes does not need more precision than this.
LAST_SEEN_PRECISION = timedelta(minutes=1)
#: ended or timed-out rows are kept this long for their user's and the admins' lists,
#: then purged by the workers' daily sweep (the audit trail keeps every end for good)
KEEP_ENDED = timedelta(days=30)


def hash_key(key: str) -> str:
    """The key is random with 256 bits of entropy: a fast hash is enough (as for tokens)."""
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
    """Start a session for ``user`` (whose login was checked and audited by the caller)
    and return its key, for the cookie only: it is never stored in clear."""
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
            expires_at=now + timedelta(hours=uow.settings.web.session_max_hours),
            ip=ip[:45] if ip else None,
            user_agent=user_agent[:300] if user_agent else None,
            provider_sid=provider_sid,
            id_token=id_token,
        )
    )
    uow.commit()
    return key


def principal_for_session_key(
    uow: UnitOfWork, key: str, ip: str | None, user_agent: str | None
) -> Principal | None:
    """The caller behind a session cookie's key, or None when the session is unknown or
    over. A session found idle or past its end, or whose account was disabled, is ended
    here (``idle``, ``expired``, ``account_disabled``)."""
    # The session, its user and the user's groups in one statement (see authenticate_token).
    row = (
        uow.session.scalars(
            select(UserSession)
            .where(UserSession.key_hash == hash_key(key), UserSession.ended_at.is_(None))
            .options(joinedload(UserSession.user).joinedload(User.groups))
        )
        .unique()
        .one_or_none()
    )
    if row is None:
        return None
    now = uow.clock.now()
    reason = _timed_out(row, now, uow.settings.web)
    if reason is None and not row.user.is_active:
        reason = "account_disabled"
    if reason is not None:
        _end(uow, row, reason, None)
        uow.commit()
        return None
    if now - aware(row.last_seen_at) >= LAST_SEEN_PRECISION:
        row.last_seen_at = now
        uow.commit()
    return principal_for(row.user, None, ip, user_agent, session_id=row.id)


def current_session(uow: UnitOfWork, principal: Principal) -> UserSession | None:
    """The session the principal's request came with (None for a token or the CLI)."""
    if principal.session_id is None:
        return None
    return uow.session.get(UserSession, principal.session_id)


def list_sessions(
    uow: UnitOfWork, principal: Principal, username: str | None = None
) -> list[UserSession]:
    """The live sessions of the caller, or (rule ``session.read_any``) of ``username``,
    newest first."""
    if username is None or username == principal.username:
        authorize(principal, "session.list")
        user_id = principal.user_id
    else:
        authorize(principal, "session.read_any")
        user_id = _user_named(uow, username).id
    query = (
        select(UserSession)
        .where(UserSession.user_id == user_id, _live(uow.clock.now(), uow.settings.web))
        .order_by(UserSession.created_at.desc(), UserSession.id.desc())
    )
    return list(uow.session.scalars(query))


def end_session(uow: UnitOfWork, principal: Principal, session_id: int) -> UserSession:
    """End one of the caller's sessions (``ended_by_user``), or anyone's for whoever the
    rule ``session.end_any`` allows (``ended_by_admin``). Ending an ended session changes
    nothing."""
    row = uow.session.get(UserSession, session_id)
    own = row is not None and principal.user_id is not None and row.user_id == principal.user_id
    authorize(principal, "session.end" if own else "session.end_any")
    if row is None:
        raise NotFound(f"no session with id {session_id}")
    _end(uow, row, "ended_by_user" if own else "ended_by_admin", principal)
    uow.commit()
    return row


def log_out_session(uow: UnitOfWork, principal: Principal) -> None:
    """End the caller's own session (``logout``), not committed: the caller's ``logout``
    event, naming the session, is its record."""
    row = current_session(uow, principal)
    if row is not None:
        _close(uow, row, "logout")


def end_sessions_of(
    uow: UnitOfWork,
    user: User,
    reason: str,
    *,
    except_session_id: int | None = None,
    by: Principal | None = None,
) -> int:
    """End every session of ``user`` but ``except_session_id`` (a password change keeps
    the one it was made in); ``by`` is who ended them (None: ged itself). Not committed:
    it is a step of the caller's use case. Returns how many ended."""
    query = select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None)
    )
    if except_session_id is not None:
        query = query.where(UserSession.id != except_session_id)
    return sum(_end(uow, row, reason, by) for row in uow.session.scalars(query).all())


def end_provider_sessions(
    uow: UnitOfWork,
    issuer: str,
    sid: str | None = None,
    subject: str | None = None,
    reason: str = "provider_logout",
) -> int:
    """End the single sign-on sessions an identity provider's logout names: by its
    session id (``sid``), or every session of its user (``subject``), or both; committed.
    Returns how many ended (0 when none matched: the provider may say it twice)."""
    if sid is None and subject is None:
        raise ValueError("a provider logout names a sid, a subject, or both")
    query = (
        select(UserSession)
        .join(User, User.id == UserSession.user_id)
        .where(
            UserSession.method == "oidc",
            UserSession.ended_at.is_(None),
            User.oidc_issuer == issuer,
        )
    )
    if sid is not None:
        query = query.where(UserSession.provider_sid == sid)
    if subject is not None:
        query = query.where(User.oidc_subject == subject)
    ended = sum(
        _end(uow, row, reason, None, actor=f"oidc:{issuer}"[:150])
        for row in uow.session.scalars(query).all()
    )
    uow.commit()
    return ended


def purge_ended_sessions(uow: UnitOfWork) -> int:
    """Delete the rows of sessions ended, or past their absolute end, more than
    KEEP_ENDED ago; committed. Returns how many."""
    before = uow.clock.now() - KEEP_ENDED
    result = uow.session.execute(
        delete(UserSession).where(
            or_(UserSession.ended_at < before, UserSession.expires_at < before)
        )
    )
    uow.commit()
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def _timed_out(row: UserSession, now: datetime, web: WebSettings) -> str | None:
    if now >= aware(row.expires_at):
        return "expired"
    if now - aware(row.last_seen_at) > timedelta(minutes=web.session_idle_minutes):
        return "idle"
    return None


def _live(now: datetime, web: WebSettings) -> ColumnElement[bool]:
    """SQL: not ended, and neither timed out (though nobody came to see it end)."""
    return and_(
        UserSession.ended_at.is_(None),
        UserSession.expires_at > now,
        UserSession.last_seen_at >= now - timedelta(minutes=web.session_idle_minutes),
    )


def _end(
    uow: UnitOfWork,
    row: UserSession,
    reason: str,
    by: Principal | None,
    *,
    actor: str | None = None,
) -> bool:
    """End ``row`` and audit it, unless it has ended already. Returns whether it ended."""
    if not _close(uow, row, reason):
        return False
    record(
        uow.session,
        by,
        "session.end",
        object_type="user",
        object_id=row.user.username,
        actor=actor,
        details={
            "session": row.id,
            "reason": reason,
            "by": by.username if by else actor or "ged",
        },
    )
    return True


def _close(uow: UnitOfWork, row: UserSession, reason: str) -> bool:
    """Mark ``row`` ended unless it is already: two requests that find it timed out at
    once, or two administrators, end it once."""
    ended = uow.session.execute(
        update(UserSession)
        .where(UserSession.id == row.id, UserSession.ended_at.is_(None))
        .values(ended_at=uow.clock.now(), end_reason=reason)
    )
    return bool(ended.rowcount)  # type: ignore[attr-defined]


def _user_named(uow: UnitOfWork, username: str) -> User:
    user = uow.session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"no user named {username!r}")
    return user
