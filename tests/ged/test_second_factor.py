"""The second factor of local accounts (ged.services.second_factor), on SQLite and PostgreSQL:
enrolment, TOTP codes with their window and anti-replay, one-time recovery codes, lockout
and audit of wrong codes, the pending login's expiry, roles that require it, admin reset."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select

from ged.access import Principal, principal_for
from ged.bootstrap import build
from ged.errors import Conflict, InvalidInput, PermissionDenied
from ged.models import AuditEvent, RecoveryCode, User
from ged.passwords import hash_password
from ged.services import logins, second_factor
from ged.services.logins import AccountLocked, CodeRequired, EnrolmentRequired
from ged.services.second_factor import LoginExpired, WrongCode
from ged.uow import UnitOfWork

PASSWORD = "mot de passe de test"
#: hashed once: argon2 takes a third of a second, and the accounts are made for every test
PASSWORD_HASH = hash_password(PASSWORD)
#: a moment in the middle of a 30-second step, so that ±1 step is exactly ±30 s
START = datetime(2031, 3, 14, 9, 26, 45, tzinfo=UTC)
ORIGIN = {"ip": "192.0.2.7", "user_agent": "Firefox"}


@dataclass
class Clock:
    moment: datetime = START

    def now(self) -> datetime:
        return self.moment


@dataclass
class Setup:
    uow: UnitOfWork
    clock: Clock
    admin: Principal
    archivist: Principal
    agent: Principal

    def user(self, who: Principal) -> User:
        return self.uow.session.get(User, who.user_id)

    def code(self, secret: str, seconds: int = 0) -> str:
        return pyotp.TOTP(secret).at(self.clock.moment + timedelta(seconds=seconds))

    def events(self, action: str) -> list[AuditEvent]:
        query = select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)
        return list(self.uow.session.scalars(query))

    def password_login(self, who: Principal) -> User:
        return logins.login(self.uow, who.username, PASSWORD, **ORIGIN)

    def verify(self, who: Principal, code: str, started_at: datetime | None = None):
        return second_factor.verify_at_login(
            self.uow, who.user_id, code, started_at=started_at or self.clock.moment, **ORIGIN
        )

    def enrolled(self, who: Principal) -> tuple[str, list[str]]:
        secret = second_factor.enrolment_for(self.uow, who.user_id).secret
        codes = second_factor.enrol(self.uow, who, secret, self.code(secret))
        self.clock.moment += timedelta(seconds=30)  # the enrolling code is spent
        return secret, codes


@pytest.fixture
def setup(db_session, make_settings) -> Iterator[Setup]:
    settings = make_settings(web={"second_factor_roles": '["admin"]', "max_failed_logins": 3})
    runtime = build(settings)
    clock = Clock()
    uow = UnitOfWork(db_session, replace(runtime.adapters, clock=clock))
    accounts = {
        role: User(username=name, role=role, password_hash=PASSWORD_HASH)
        for name, role in [("chef", "admin"), ("archives", "archivist"), ("agent", "agent")]
    }
    db_session.add_all(accounts.values())
    db_session.commit()
    people = {role: principal_for(user) for role, user in accounts.items()}
    yield Setup(uow, clock, **people)
    runtime.close()


def test_enrolment_stores_the_secret_only_once_a_code_from_it_is_right(setup: Setup):
    enrolment = second_factor.enrolment_for(setup.uow, setup.agent.user_id)
    assert enrolment.uri.startswith("otpauth://totp/ged:agent?secret=")
    assert "issuer=ged" in enrolment.uri and enrolment.secret in enrolment.uri
    assert setup.user(setup.agent).totp_secret is None

    with pytest.raises(InvalidInput, match="does not match") as wrong:
        wrong_code = f"{(int(setup.code(enrolment.secret)) + 1) % 1_000_000:06d}"
        second_factor.enrol(setup.uow, setup.agent, enrolment.secret, wrong_code)
    assert wrong.value.field == "code"
    assert setup.user(setup.agent).totp_secret is None

    codes = second_factor.enrol(
        setup.uow, setup.agent, enrolment.secret, setup.code(enrolment.secret)
    )
    user = setup.user(setup.agent)
    assert user.totp_secret == enrolment.secret and user.totp_enabled_at is not None
    assert len(codes) == len(set(codes)) == 10
    assert all(len(code) == 19 and code.count("-") == 3 for code in codes)
    stored = setup.uow.session.scalars(select(RecoveryCode.code_hash)).all()
    assert len(stored) == 10 and not set(codes) & set(stored)
    [enrolled] = setup.events("second_factor.enrol")
    assert (enrolled.actor, enrolled.object_id) == ("agent", "agent")
    assert second_factor.status(setup.uow, setup.agent).recovery_codes_left == 10
    with pytest.raises(Conflict, match="already has a second factor"):
        second_factor.enrolment_for(setup.uow, setup.agent.user_id)


def test_an_altered_secret_is_refused(setup: Setup):
    with pytest.raises(InvalidInput, match="expired or was altered"):
        second_factor.enrol(setup.uow, setup.agent, "not base32!", "123456")


def test_a_password_alone_no_longer_logs_in_and_a_code_finishes_the_login(setup: Setup):
    secret, _ = setup.enrolled(setup.agent)
    logins_before = len(setup.events("login"))
    with pytest.raises(CodeRequired, match="send the 6-digit code"):
        setup.password_login(setup.agent)
    assert len(setup.events("login")) == logins_before  # not logged in yet

    done = setup.verify(setup.agent, setup.code(secret))
    assert done.user.username == "agent" and done.recovery_codes_left is None
    assert setup.events("login")[-1].details == {"second_factor": "totp"}


def test_the_api_login_takes_the_code_in_the_same_request(setup: Setup):
    secret, _ = setup.enrolled(setup.agent)
    with pytest.raises(CodeRequired):
        second_factor.login(setup.uow, "agent", PASSWORD, None, **ORIGIN)
    with pytest.raises(WrongCode):
        second_factor.login(setup.uow, "agent", PASSWORD, "000000", **ORIGIN)
    user = second_factor.login(setup.uow, "agent", PASSWORD, setup.code(secret), **ORIGIN)
    assert user.username == "agent"


def test_a_code_is_accepted_once_and_never_an_older_one_after_it(setup: Setup):
    secret, _ = setup.enrolled(setup.agent)
    current, previous = setup.code(secret), setup.code(secret, -30)
    setup.verify(setup.agent, current)
    for replayed in (current, previous):
        with pytest.raises(WrongCode):
            setup.verify(setup.agent, replayed)
    assert [event.details["reason"] for event in setup.events("login.second_factor.failed")] == [
        "replayed code",
        "replayed code",
    ]
    setup.clock.moment += timedelta(seconds=30)
    setup.verify(setup.agent, setup.code(secret))


def test_codes_of_the_neighbouring_steps_pass_and_farther_ones_do_not(setup: Setup):
    secret, _ = setup.enrolled(setup.agent)
    setup.clock.moment += timedelta(seconds=60)  # the enrolling code's step is out of reach
    for far in (-60, 60):
        with pytest.raises(WrongCode):
            setup.verify(setup.agent, setup.code(secret, far))
    setup.verify(setup.agent, setup.code(secret, -30))
    setup.verify(setup.agent, setup.code(secret, 30))
    assert setup.events("login.second_factor.failed")[0].details == {
        "reason": "wrong code",
        "for": "login",
    }


def test_each_recovery_code_works_once(setup: Setup):
    _, codes = setup.enrolled(setup.agent)
    done = setup.verify(setup.agent, codes[0])
    assert done.recovery_codes_left == 9
    assert setup.events("login")[-1].details == {"second_factor": "recovery_code"}
    [used] = setup.events("recovery_code.use")
    assert (used.actor, used.details, used.ip) == ("agent", {"left": 9}, "192.0.2.7")
    with pytest.raises(WrongCode):
        setup.verify(setup.agent, codes[0])
    # typed without dashes, in capitals, with an O for a 0: still the code
    typed = codes[1].replace("-", "").upper().replace("0", "O")
    assert setup.verify(setup.agent, typed).recovery_codes_left == 8
    assert second_factor.status(setup.uow, setup.agent).recovery_codes_left == 8


def test_wrong_codes_lock_the_account_like_wrong_passwords_and_are_audited(setup: Setup):
    secret, _ = setup.enrolled(setup.agent)
    for _ in range(2):
        with pytest.raises(WrongCode):
            setup.verify(setup.agent, "000000")
    # A right password in between forgives nothing.
    with pytest.raises(CodeRequired):
        setup.password_login(setup.agent)
    assert setup.user(setup.agent).failed_logins == 2
    with pytest.raises(AccountLocked):
        setup.verify(setup.agent, "not-a-recovery-code")
    # Locked: even the right code and the right password are refused.
    with pytest.raises(AccountLocked):
        setup.verify(setup.agent, setup.code(secret))
    with pytest.raises(AccountLocked):
        setup.password_login(setup.agent)
    failures = setup.events("login.second_factor.failed")
    assert [(event.actor, event.outcome, event.details["reason"]) for event in failures] == [
        ("agent", "denied", "wrong code"),
        ("agent", "denied", "wrong code"),
        ("agent", "denied", "wrong recovery code: account now locked"),
        ("agent", "denied", "account locked"),
    ]
    assert failures[0].ip == "192.0.2.7"


def test_the_code_must_follow_the_password_within_the_pending_time(setup: Setup):
    secret, _ = setup.enrolled(setup.agent)
    limit = setup.uow.settings.web.second_factor_pending_seconds
    started = setup.clock.moment - timedelta(seconds=limit + 1)
    assert second_factor.pending_expired(setup.uow, started)
    with pytest.raises(LoginExpired, match="log in again"):
        setup.verify(setup.agent, setup.code(secret), started_at=started)
    assert not second_factor.pending_expired(setup.uow, started + timedelta(seconds=2))


def test_a_role_that_requires_it_enrols_at_login_and_others_log_in_with_a_password(
    setup: Setup,
):
    assert setup.password_login(setup.agent).username == "agent"
    assert setup.password_login(setup.archivist).username == "archives"
    with pytest.raises(EnrolmentRequired, match="role admin requires a second factor"):
        setup.password_login(setup.admin)

    secret = second_factor.enrolment_for(setup.uow, setup.admin.user_id).secret
    user, codes = second_factor.enrol_at_login(
        setup.uow,
        setup.admin.user_id,
        secret,
        setup.code(secret),
        started_at=setup.clock.moment,
        **ORIGIN,
    )
    assert user.username == "chef" and len(codes) == 10
    assert setup.events("login")[-1].details == {"second_factor": "enrol"}
    assert second_factor.status(setup.uow, setup.admin).required
    with pytest.raises(CodeRequired):
        setup.password_login(setup.admin)


def test_an_administrator_resets_a_lost_second_factor(setup: Setup):
    setup.enrolled(setup.agent)
    with pytest.raises(PermissionDenied) as refused:
        second_factor.reset(setup.uow, setup.archivist, "agent")
    assert refused.value.rule == "second_factor.reset"

    second_factor.reset(setup.uow, setup.admin, "agent")
    user = setup.user(setup.agent)
    assert (user.totp_secret, user.totp_enabled_at, user.totp_last_step) == (None, None, None)
    assert setup.uow.session.scalars(select(RecoveryCode)).all() == []
    [reset] = setup.events("second_factor.reset")
    assert (reset.actor, reset.object_id, reset.details) == (
        "chef",
        "agent",
        {"had_second_factor": True},
    )
    assert setup.password_login(setup.agent).username == "agent"
    with pytest.raises(Conflict, match="your own second factor"):
        second_factor.reset(setup.uow, setup.admin, "chef")


def test_new_recovery_codes_need_a_current_code_and_replace_the_old_ones(setup: Setup):
    secret, old = setup.enrolled(setup.agent)
    with pytest.raises(WrongCode):
        second_factor.regenerate_recovery_codes(setup.uow, setup.agent, "000000")
    assert setup.events("login.second_factor.failed")[-1].details["for"] == "recovery_codes"
    with pytest.raises(InvalidInput, match="6-digit code"):
        second_factor.regenerate_recovery_codes(setup.uow, setup.agent, old[0])
    new = second_factor.regenerate_recovery_codes(setup.uow, setup.agent, setup.code(secret))
    assert len(new) == 10 and not set(new) & set(old)
    assert len(setup.events("recovery_codes.regenerate")) == 1
    setup.clock.moment += timedelta(seconds=30)
    with pytest.raises(WrongCode):
        setup.verify(setup.agent, old[1])
    assert setup.verify(setup.agent, new[1]).recovery_codes_left == 9
