"""ged.services.sessions on SQLite and PostgreSQL, below the web layer: an identity
provider's logout ends the single sign-on sessions it names and no other, and the
workers' purge removes only the rows over for a month."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from ged.bootstrap import Runtime
from ged.models import AuditEvent, User, UserSession
from ged.services.sessions import (
    KEEP_ENDED,
    end_provider_sessions,
    hash_key,
    open_session,
    purge_ended_sessions,
)
from tests.ged.lifecycle_setup import runtime

__all__ = ["runtime"]

ISSUER = "https://sso.example.gouv.fr/realms/agents"


def account(runtime: Runtime, username: str, issuer: str | None, subject: str | None) -> int:
    with runtime.unit_of_work() as uow:
        user = User(username=username, role="agent", oidc_issuer=issuer, oidc_subject=subject)
        uow.session.add(user)
        uow.commit()
        return user.id


def opened(runtime: Runtime, user_id: int, method: str = "oidc", sid: str | None = None) -> int:
    with runtime.unit_of_work() as uow:
        user = uow.session.get_one(User, user_id)
        key = open_session(uow, user, method=method, ip=None, user_agent=None, provider_sid=sid)
        return uow.session.scalars(
            select(UserSession.id).where(UserSession.key_hash == hash_key(key))
        ).one()


def ended(runtime: Runtime) -> dict[int, str | None]:
    with runtime.unit_of_work() as uow:
        return {row.id: row.end_reason for row in uow.session.scalars(select(UserSession))}


def test_a_provider_logout_ends_the_sessions_it_names_and_no_other(runtime: Runtime):
    claire = account(runtime, "claire", ISSUER, "sub-1")
    marc = account(runtime, "marc", ISSUER, "sub-2")
    namesake = account(runtime, "homonyme", "https://other.example.org", "sub-1")
    first = opened(runtime, claire, sid="sid-1")
    second = opened(runtime, claire, sid="sid-2")
    local = opened(runtime, claire, method="password")
    marcs = opened(runtime, marc, sid="sid-3")
    elsewhere = opened(runtime, namesake, sid="sid-1")

    with runtime.unit_of_work() as uow:
        assert end_provider_sessions(uow, ISSUER, sid="sid-1") == 1
    with runtime.unit_of_work() as uow:
        assert end_provider_sessions(uow, ISSUER, subject="sub-1") == 1
    with runtime.unit_of_work() as uow:
        # said twice, as providers may: nothing more to end
        assert end_provider_sessions(uow, ISSUER, sid="sid-2", subject="sub-1") == 0
    assert ended(runtime) == {
        first: "provider_logout",
        second: "provider_logout",
        local: None,
        marcs: None,
        elsewhere: None,
    }
    with runtime.unit_of_work() as uow:
        events = uow.session.scalars(
            select(AuditEvent).where(AuditEvent.action == "session.end").order_by(AuditEvent.id)
        ).all()
        assert [(e.actor, e.object_id, e.details["session"]) for e in events] == [
            (f"oidc:{ISSUER}", "claire", first),
            (f"oidc:{ISSUER}", "claire", second),
        ]
        assert {e.details["reason"] for e in events} == {"provider_logout"}
        with pytest.raises(ValueError, match="names a sid, a subject, or both"):
            end_provider_sessions(uow, ISSUER)


def test_the_purge_removes_only_sessions_over_for_a_month(runtime: Runtime):
    user = account(runtime, "paul", None, None)
    ids = {name: opened(runtime, user, method="password") for name in ("old", "recent", "lapsed")}
    live = opened(runtime, user, method="password")
    long_ago = datetime.now(UTC) - KEEP_ENDED - timedelta(days=1)
    changes = {
        "old": {"ended_at": long_ago, "end_reason": "logout"},
        "recent": {"ended_at": datetime.now(UTC) - timedelta(days=1), "end_reason": "idle"},
        # never ended by a request: nobody came back after its absolute end
        "lapsed": {"expires_at": long_ago},
    }
    with runtime.unit_of_work() as uow:
        for name, values in changes.items():
            uow.session.execute(
                update(UserSession).where(UserSession.id == ids[name]).values(**values)
            )
        uow.commit()
    with runtime.unit_of_work() as uow:
        assert purge_ended_sessions(uow) == 2
    assert set(ended(runtime)) == {ids["recent"], live}
