"""Password logins: verification, lockout after repeated failures, logout, password change.

An account with a second factor, or whose role requires one, is not logged in by its
password alone: ``login`` then raises CodeRequired or EnrolmentRequired, resets nothing
and records no login, and ged.services.second_factor finishes the login. The session a
login opens is ged.services.sessions'.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import select

from ged.access import Principal, authorize, principal_for
from ged.audit.chain import record
from ged.errors import GedError, InvalidInput
from ged.models import User
from ged.passwords import MIN_LENGTH, hash_password, verify_password
from ged.services.sessions import end_sessions_of, log_out_session
from ged.timeutil import aware
from ged.uow import UnitOfWork


@cache
def _dummy_hash() -> str:
    """Verified against when the account does not exist, so that an unknown name takes as
    long to refuse as a wrong password and names cannot be probed by timing. Made at the
    first login rather than at import: hashing costs every process that never logs anyone
    in (workers, commands) a third of a second."""
    return hash_password("not a real password, only a timing shield")


class LoginRefused(GedError):
    """Wrong name or password, or a disabled account: one message for all (answered 401)."""

    def __init__(self) -> None:
        super().__init__("unknown user name or wrong password")


class SecondFactorNeeded(GedError):
    """The password is right, but the account must also prove its second factor."""

    def __init__(self, user: User, message: str) -> None:
        super().__init__(message)
        self.user_id = user.id
        self.username = user.username


class CodeRequired(SecondFactorNeeded):
    """The account has a second factor: its code is needed too (answered 401)."""

    def __init__(self, user: User) -> None:
        super().__init__(
            user,
            "this account has a second factor: send the 6-digit code of its authenticator "
            "application (or one of its recovery codes) as code",
        )


class EnrolmentRequired(SecondFactorNeeded):
    """The role requires a second factor that the account has not set up (answered 403)."""

    def __init__(self, user: User) -> None:
        super().__init__(
            user,
            f"the role {user.role} requires a second factor, which this account has not set "
            "up yet: log in once in the web UI (/connexion), which walks you through it; "
            "it can later be managed at /compte/double-authentification",
        )


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
    Lockout follows ``[web] max_failed_logins`` and ``lockout_minutes``. A right password
    of an account that needs a second factor raises CodeRequired or EnrolmentRequired."""
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
        verify_password(_dummy_hash(), password)
        raise refuse(LoginRefused(), "unknown account")
    now = uow.clock.now()
    if user.locked_until is not None and aware(user.locked_until) > now:
        raise refuse(AccountLocked(aware(user.locked_until)), "account locked")
    if not verify_password(user.password_hash, password) or not user.is_active:
        locked_until = count_failure(uow, user)
        if locked_until is not None:
            raise refuse(AccountLocked(locked_until), "wrong password: account now locked")
        raise refuse(LoginRefused(), "wrong password" if user.is_active else "account disabled")
    # The failures are not forgiven yet: guessing codes between right passwords would
    # otherwise never lock the account.
    if user.totp_secret is not None:
        raise CodeRequired(user)
    if user.role in uow.settings.web.second_factor_roles:
        raise EnrolmentRequired(user)
    complete_login(uow, user, ip=ip, user_agent=user_agent)
    return user


def count_failure(uow: UnitOfWork, user: User) -> datetime | None:
    """One more failed attempt (a password or a second-factor code); when it reaches
    ``[web] max_failed_logins`` the account is locked, and the time it unlocks returned."""
    web = uow.settings.web
    user.failed_logins += 1
    if user.failed_logins < web.max_failed_logins:
        return None
    user.locked_until = uow.clock.now() + timedelta(minutes=web.lockout_minutes)
    user.failed_logins = 0
    return user.locked_until


def complete_login(
    uow: UnitOfWork,
    user: User,
    *,
    ip: str | None,
    user_agent: str | None,
    details: dict | None = None,
) -> None:
    """The account has proven who it is: forgive its failures and record the login."""
    user.failed_logins = 0
    user.locked_until = None
    record(uow.session, principal_for(user, None, ip, user_agent), "login", details=details)
    uow.commit()


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
