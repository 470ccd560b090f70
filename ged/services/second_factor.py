"""The second factor of local accounts: TOTP codes (RFC 6238) and one-time recovery codes.

Enrolment gives a new secret and its ``otpauth://`` URI (drawn as a QR code by the web
UI); the secret is stored only once a code made from it proves the application has it.
Then come ten recovery codes, shown once and stored hashed. At login, after the right
password (ged.services.logins), a code finishes the login: a TOTP code of the current
time step or its neighbours, never one of a step already accepted, or an unused
recovery code. A wrong code counts as a failed login towards the account's lockout.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

import pyotp
from sqlalchemy import or_, select, update

from ged.access import Principal, authorize, principal_for
from ged.audit.chain import record
from ged.errors import Conflict, GedError, InvalidInput, NotFound
from ged.models import User
from ged.services import recovery_codes, sessions
from ged.services.logins import (
    AccountLocked,
    CodeRequired,
    LoginRefused,
    complete_login,
    count_failure,
)
from ged.services.logins import login as password_login
from ged.timeutil import aware
from ged.uow import UnitOfWork

#: the name authenticator applications show beside the account
ISSUER = "ged"
#: time steps accepted on either side of the current one: phones' clocks drift
WINDOW = 1
_TOTP_CODE = re.compile(r"\d{6}")
_SECRET = re.compile(r"[A-Z2-7]{32}")


class WrongCode(GedError):
    """The code is not the current one, was already used, or is no unused recovery code
    (answered 401); it counted as a failed login."""

    def __init__(self) -> None:
        super().__init__(
            "wrong or already used code: enter the current 6-digit code of your "
            "authenticator application, or one of your unused recovery codes"
        )


class LoginExpired(GedError):
    """Too long between the right password and the code (answered 401): log in again."""

    def __init__(self, seconds: int) -> None:
        super().__init__(
            f"more than {seconds} seconds passed since the password was checked: log in again"
        )


@dataclass(frozen=True)
class Enrolment:
    #: base32, 160 bits; shown as text too, for applications that cannot read the QR code
    secret: str
    #: otpauth://totp/ged:<username>?secret=…&issuer=ged, what the QR code holds
    uri: str


@dataclass(frozen=True)
class LoginByCode:
    user: User
    #: unused recovery codes left, when one was just used (None after a TOTP code)
    recovery_codes_left: int | None


@dataclass(frozen=True)
class SecondFactorStatus:
    enabled_at: datetime | None
    recovery_codes_left: int
    #: the account's role requires a second factor (``[web] second_factor_roles``)
    required: bool
    #: the account logs in with a password here (single sign-on leaves it to the provider)
    password_login: bool


def login(
    uow: UnitOfWork,
    username: str,
    password: str,
    code: str | None,
    *,
    ip: str | None,
    user_agent: str | None,
) -> User:
    """A password login in one request (the API): with its code when the account has a
    second factor. Raises what ``logins.login`` raises, and WrongCode."""
    try:
        return password_login(uow, username, password, ip=ip, user_agent=user_agent)
    except CodeRequired as needed:
        if code is None:
            raise
        return verify_at_login(
            uow, needed.user_id, code, started_at=uow.clock.now(), ip=ip, user_agent=user_agent
        ).user


def pending_expired(uow: UnitOfWork, started_at: datetime) -> bool:
    """Whether a login whose password was right at ``started_at`` waited too long for its code."""
    limit = timedelta(seconds=uow.settings.web.second_factor_pending_seconds)
    return uow.clock.now() - aware(started_at) > limit


def verify_at_login(
    uow: UnitOfWork,
    user_id: int,
    code: str,
    *,
    started_at: datetime,
    ip: str | None,
    user_agent: str | None,
) -> LoginByCode:
    """Finish the login of ``user_id``, whose password was right at ``started_at``, with a
    TOTP or a recovery code. Raises LoginExpired, LoginRefused (account gone or disabled
    meanwhile), AccountLocked or WrongCode; every refused code is audited."""
    user = _pending_user(uow, user_id, started_at)
    if user.totp_secret is None:
        raise LoginRefused()  # reset by an administrator meanwhile: start again
    if user.locked_until is not None and aware(user.locked_until) > uow.clock.now():
        _refuse_code(uow, user, "account locked", ip, user_agent)
        raise AccountLocked(aware(user.locked_until))
    kind = _accept_code(uow, user, code, ip, user_agent, purpose="login")
    left = None
    if kind == "recovery_code":
        left = recovery_codes.unused(uow, user)
        record(
            uow.session,
            principal_for(user, None, ip, user_agent),
            "recovery_code.use",
            object_type="user",
            object_id=user.username,
            details={"left": left},
        )
    complete_login(uow, user, ip=ip, user_agent=user_agent, details={"second_factor": kind})
    return LoginByCode(user, left)


def enrolment_for(uow: UnitOfWork, user_id: int, secret: str | None = None) -> Enrolment:
    """A new secret for the account (or the one kept since the enrolment began) and its
    URI; nothing is stored before ``enrol`` or ``enrol_at_login``."""
    user = _user(uow, user_id)
    if user.totp_secret is not None:
        raise Conflict(
            "this account already has a second factor; an administrator can reset it "
            "(a lost phone), after which it is set up again"
        )
    secret = _checked_secret(secret) if secret is not None else pyotp.random_base32()
    uri = pyotp.TOTP(secret).provisioning_uri(name=user.username, issuer_name=ISSUER)
    return Enrolment(secret, uri)


def enrol(uow: UnitOfWork, principal: Principal, secret: str, code: str) -> list[str]:
    """Set up one's own second factor, once a code made from ``secret`` proves the
    application has it; returns the recovery codes, to show once."""
    if principal.user_id is None:
        raise InvalidInput("the command line has no second factor of its own")
    codes = _enrol(uow, _user(uow, principal.user_id), secret, code, principal)
    uow.commit()
    return codes


def enrol_at_login(
    uow: UnitOfWork,
    user_id: int,
    secret: str,
    code: str,
    *,
    started_at: datetime,
    ip: str | None,
    user_agent: str | None,
) -> tuple[User, list[str]]:
    """The enrolment that a role requiring a second factor makes part of its first login;
    the login is complete once it is done. Returns the account and its recovery codes."""
    user = _pending_user(uow, user_id, started_at)
    codes = _enrol(uow, user, secret, code, principal_for(user, None, ip, user_agent))
    complete_login(uow, user, ip=ip, user_agent=user_agent, details={"second_factor": "enrol"})
    return user, codes


def regenerate_recovery_codes(uow: UnitOfWork, principal: Principal, code: str) -> list[str]:
    """New recovery codes for one's own account (the old ones stop working), with a
    current TOTP code: whoever merely holds an open session cannot take them."""
    user = _user(uow, principal.user_id) if principal.user_id is not None else None
    if user is None or user.totp_secret is None:
        raise Conflict("this account has no second factor: set it up first")
    if not _TOTP_CODE.fullmatch(code.strip()):
        raise InvalidInput(
            "enter the current 6-digit code of your authenticator application", field="code"
        )
    _accept_code(uow, user, code, principal.ip, principal.user_agent, purpose="recovery_codes")
    codes = recovery_codes.renew(uow, user)
    record(
        uow.session,
        principal,
        "recovery_codes.regenerate",
        object_type="user",
        object_id=user.username,
    )
    uow.commit()
    return codes


def status(uow: UnitOfWork, principal: Principal) -> SecondFactorStatus:
    """One's own second factor: since when, recovery codes left, whether the role requires it."""
    user = _user(uow, principal.user_id) if principal.user_id is not None else None
    if user is None:
        return SecondFactorStatus(None, 0, False, False)
    return SecondFactorStatus(
        user.totp_enabled_at,
        recovery_codes.unused(uow, user) if user.totp_secret is not None else 0,
        required_for(uow, user.role),
        user.password_hash is not None,
    )


def required_for(uow: UnitOfWork, role: str) -> bool:
    return role in uow.settings.web.second_factor_roles


def reset(uow: UnitOfWork, principal: Principal, username: str) -> User:
    """Remove someone's second factor (a lost phone): their next login sets up a new one
    if their role requires it, and their open sessions end (the lost phone may have been
    logged in). Not one's own: a stolen session must not shed it."""
    authorize(principal, "second_factor.reset")
    user = uow.session.scalars(select(User).where(User.username == username)).one_or_none()
    if user is None:
        raise NotFound(f"no user named {username!r}")
    if user.id == principal.user_id:
        raise Conflict(
            "you may not reset your own second factor: ask another administrator, or run "
            "`ged user reset-second-factor` on the server"
        )
    had = user.totp_secret is not None
    user.totp_secret = None
    user.totp_enabled_at = None
    user.totp_last_step = None
    recovery_codes.delete_all(uow, user)
    sessions.end_sessions_of(uow, user, "second_factor_reset", by=principal)
    record(
        uow.session,
        principal,
        "second_factor.reset",
        object_type="user",
        object_id=user.username,
        details={"had_second_factor": had},
    )
    uow.commit()
    return user


def _pending_user(uow: UnitOfWork, user_id: int, started_at: datetime) -> User:
    if pending_expired(uow, started_at):
        raise LoginExpired(uow.settings.web.second_factor_pending_seconds)
    user = uow.session.get(User, user_id)
    if user is None or not user.is_active or user.password_hash is None:
        raise LoginRefused()
    return user


def _user(uow: UnitOfWork, user_id: int) -> User:
    user = uow.session.get(User, user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def _enrol(
    uow: UnitOfWork,
    user: User,
    secret: str,
    code: str,
    principal: Principal,
) -> list[str]:
    """Store the secret and make the recovery codes, in the caller's transaction."""
    if user.totp_secret is not None:
        raise Conflict("this account already has a second factor")
    if user.password_hash is None:
        raise InvalidInput(
            "only accounts that log in with a password have a second factor here; "
            "single sign-on leaves it to the identity provider"
        )
    secret = _checked_secret(secret)
    # Not counted as a failure: whoever reaches this step chose the secret being checked.
    step = _matching_step(secret, code, uow.clock.now())
    if step is None:
        raise InvalidInput(
            "this code does not match: enter the 6-digit code the application shows now "
            "(check that the phone's clock is right)",
            field="code",
        )
    user.totp_secret = secret
    user.totp_enabled_at = uow.clock.now()
    user.totp_last_step = step  # the confirming code is spent
    codes = recovery_codes.renew(uow, user)
    record(
        uow.session, principal, "second_factor.enrol", object_type="user", object_id=user.username
    )
    return codes


def _checked_secret(secret: str) -> str:
    if not _SECRET.fullmatch(secret):
        raise InvalidInput("the enrolment expired or was altered: start it again")
    return secret


def _accept_code(
    uow: UnitOfWork,
    user: User,
    code: str,
    ip: str | None,
    user_agent: str | None,
    *,
    purpose: str,
) -> str:
    """Spend ``code``: "totp", or "recovery_code" (only to log in); otherwise count the
    failure, audit it, commit and raise WrongCode (AccountLocked when it locks the account)."""
    code = "".join(code.split())
    assert user.totp_secret is not None
    if _TOTP_CODE.fullmatch(code):
        step = _matching_step(user.totp_secret, code, uow.clock.now())
        if step is not None and _spend_step(uow, user, step):
            return "totp"
        reason = "wrong code" if step is None else "replayed code"
    elif purpose == "login" and recovery_codes.spend(uow, user, code):
        return "recovery_code"
    else:
        reason = "wrong recovery code"
    locked_until = count_failure(uow, user)
    if locked_until is not None:
        reason += ": account now locked"
    _refuse_code(uow, user, reason, ip, user_agent, purpose)
    if locked_until is not None:
        raise AccountLocked(locked_until)
    raise WrongCode()


def _refuse_code(
    uow: UnitOfWork,
    user: User,
    reason: str,
    ip: str | None,
    user_agent: str | None,
    purpose: str = "login",
) -> None:
    record(
        uow.session,
        None,
        "login.second_factor.failed",
        outcome="denied",
        actor=user.username,
        ip=ip,
        user_agent=user_agent,
        details={"reason": reason, "for": purpose},
    )
    uow.commit()


def _matching_step(secret: str, code: str, now: datetime) -> int | None:
    """The time step within the window whose code is ``code``, compared in constant time."""
    totp = pyotp.TOTP(secret)
    current = totp.timecode(now)
    found = None
    for step in range(current - WINDOW, current + WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            found = step
    return found


def _spend_step(uow: UnitOfWork, user: User, step: int) -> bool:
    """Accept a step later than every one accepted before, in one conditional UPDATE so
    that two requests racing with the same code cannot both pass."""
    spent = uow.session.execute(
        update(User)
        .where(
            User.id == user.id,
            or_(User.totp_last_step.is_(None), User.totp_last_step < step),
        )
        .values(totp_last_step=step)
    )
    return spent.rowcount == 1  # type: ignore[attr-defined]
