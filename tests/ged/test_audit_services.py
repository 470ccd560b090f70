"""The audit trail's use cases decide who may run them (ged.access.RULES) and record themselves."""

from __future__ import annotations

import getpass
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from ged.access import RULES, Principal, command_line
from ged.audit.query import EventFilters
from ged.bootstrap import build
from ged.errors import InvalidInput, PermissionDenied
from ged.models import ROLES, AuditEvent
from ged.services import audit
from ged.uow import UnitOfWork

AUDITOR = Principal(5, "auditrice", "auditor", frozenset(), None, "192.0.2.8", "Firefox")

#: each use case, called as ``principal`` would, and the rule that decides it
USE_CASES = {
    "audit.events": lambda uow, who: audit.search_events(uow, who, EventFilters(), 1, 10),
    "audit.export": lambda uow, who: audit.start_export(uow, who, EventFilters(), "jsonl"),
    "audit.verify": lambda uow, who: audit.verify_log(uow, who),
    "audit.seal": lambda uow, who: audit.seal(uow, who),
    "audit.purge": lambda uow, who: audit.purge(uow, who, None),
}


@pytest.fixture
def uow(db_session, settings) -> Iterator[UnitOfWork]:
    """A unit of work on the test's session (its commits are savepoints)."""
    runtime = build(settings)
    yield UnitOfWork(db_session, runtime.adapters)
    runtime.close()


def recorded(uow: UnitOfWork) -> list[tuple[str | None, str, str]]:
    events = uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id))
    return [(event.actor, event.action, event.outcome) for event in events]


@pytest.mark.parametrize(
    ("rule", "role"),
    [(rule, role) for rule in USE_CASES for role in ROLES if role not in RULES[rule].roles],
)
def test_each_use_case_refuses_the_roles_its_rule_leaves_out(uow, rule, role):
    caller = Principal(9, role, role, frozenset())
    with pytest.raises(PermissionDenied) as refused:
        USE_CASES[rule](uow, caller)
    assert refused.value.rule == rule
    # nothing recorded here: the entry point's error handler records the refusal, once
    assert recorded(uow) == []


def test_consulting_and_verifying_are_recorded_under_the_caller(uow):
    found = audit.search_events(uow, AUDITOR, EventFilters(action="login"), 1, 10)
    assert (found.total, found.events) == (0, [])
    assert audit.verify_log(uow, command_line()).ok
    assert recorded(uow) == [
        ("auditrice", "audit.events", "allowed"),
        (f"cli:{getpass.getuser()}", "audit.verify", "allowed"),
    ]
    consulted = uow.session.scalars(select(AuditEvent).order_by(AuditEvent.id)).first()
    assert consulted.details == {
        "filters": {"action": "login"},
        "page": 1,
        "size": 10,
        "total": 0,
    }
    with pytest.raises(InvalidInput) as refused:
        audit.search_events(uow, AUDITOR, EventFilters(), 1, 501)
    assert refused.value.field == "size"


def test_a_bundle_cannot_skip_rows_and_a_refused_export_is_not_recorded(uow):
    with pytest.raises(InvalidInput, match="unbroken range"):
        audit.start_export(uow, AUDITOR, EventFilters(actor="agent1"), "bundle")
    with pytest.raises(InvalidInput, match="format"):
        audit.start_export(uow, AUDITOR, EventFilters(), "xlsx")
    assert recorded(uow) == []
    started = audit.start_export(uow, AUDITOR, EventFilters(), "csv")
    assert started.media_type == "text/csv" and started.filename.endswith(".csv")
    lines = "".join(audit.export_chunks(uow, started)).splitlines()
    # the export's own event is committed before the first row: it is in the export
    assert len(lines) == 2 and ",audit.export," in lines[1]
