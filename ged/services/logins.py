"""Password logins: verification, lockout after repeated failures, logout, password change.

The session a login opens is ged.services.sessions'."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from ged.access import Principal, authorize, principal_for
from ged.audit.chain import record
from ged.errors import GedError, InvalidInput
from ged.models import User
from ged.passwords import MIN_LENGTH, hash_password, verify_password
from ged.services.sessions import end_sessions_of, log_out_session
from ged.timeutil import aware
from ged.uow import UnitOfWork

# Verified against when the account does not exist, so that an unknown name takes as
# long to refuse as a wrong password and names cannot be probed by timing.
_DUMMY_HASH = hash_password("not a real password, only a timing shield")


class LoginRefused(GedError):
    """Wrong name or password, or a disabled account: one message for all (answered 401)."""

    def __init__(self) -> None:
        super().__init__("unknown user name or wrong password")


class AccountLocked(GedError):
    """Too many failed logins in a row (answered 429)."""

    def __init__(self, until: datetime) -> None:
        super().__init__(
            f"too many failed logins: this account is locked until {until:%H:%M} UTC; "
            "try again then, or ask an administrator"
        )
        self.until = until


def login(
    uow: UnitOfWork,
    username: str,
    password: str,
    *,
    ip: str | None,
    user_agent: str | None,
) -> User:
    """Check a password login; every attempt, refused or not, is in the audit trail.
    Lockout follows ``[web] max_failed_logins`` and ``lockout_minutes``."""
    session = uow.session

    def refuse(error: Exception, reason: str) -> Exception:
        record(
            session,
            None,
            "login.failed",
            outcome="denied",
            actor=username[:150],
            ip=ip,
            user_agent=user_agent,
            details={"reason": reason},
        )
        uow.commit()
        return error

    user = session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None or user.password_hash is None:
        verify_password(_DUMMY_HASH, password)
        raise refuse(LoginRefused(), "unknown account")
    now = datetime.now(UTC)
    if user.locked_until is not None and aware(user.locked_until) > now:
        raise refuse(AccountLocked(aware(user.locked_until)), "account locked")
    if not verify_password(user.password_hash, password) or not user.is_active:
        user.failed_logins += 1
        web = uow.settings.web
        if user.failed_logins >= web.max_failed_logins:
            user.locked_until = now + timedelta(minutes=web.lockout_minutes)
            user.failed_logins = 0
            raise refuse(AccountLocked(user.locked_until), "wrong password: account now locked")
        raise refuse(LoginRefused(), "wrong password" if user.is_active else "account disabled")
    user.failed_logins = 0
    user.locked_until = None
    record(session, principal_for(user, None, ip, user_agent), "login")
    uow.commit()
    return user


def log_out(uow: UnitOfWork, principal: Principal) -> None:
    """Record the logout and end the session it was made in (a token has none)."""
    details = {"session": principal.session_id} if principal.session_id is not None else None
    record(uow.session, principal, "logout", details=details)
    log_out_session(uow, principal)
    uow.commit()


def change_password(uow: UnitOfWork, principal: Principal, current: str, new: str) -> User:
    """Change the caller's password; the account's other sessions end at once (whoever
    stole one keeps nothing), the one it was changed in goes on."""
    authorize(principal, "password.change")
    session = uow.session
    user = session.get(User, principal.user_id) if principal.user_id is not None else None
    if (
        user is None
        or user.password_hash is None
        or not verify_password(user.password_hash, current)
    ):
        raise InvalidInput("the current password is wrong", field="current_password")
    if len(new) < MIN_LENGTH:
        raise InvalidInput(
            f"the new password must have at least {MIN_LENGTH} characters", field="new_password"
        )
    if new == current:
        raise InvalidInput(
            "the new password must differ from the current one", field="new_password"
        )
    user.password_hash = hash_password(new)
    record(session, principal, "password.change", object_type="user", object_id=user.username)
    end_sessions_of(
        uow, user, "password_changed", except_session_id=principal.session_id, by=principal
    )
    uow.commit()
    return user
