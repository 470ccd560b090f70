"""Retention rules and due dates, on SQLite and PostgreSQL: the defaults shipped, a due
date for each start event, the unit's rule before the type's, recomputation when a rule,
a document or an event changes (set-based and per document alike), refusals, the audit."""

from __future__ import annotations

from datetime import date

import pytest

from ged.bootstrap import Runtime
from ged.errors import Conflict, InvalidInput, PermissionDenied
from ged.services import retention
from ged.services.document_events import list_events, record_event
from ged.services.documents import Metadata, update_metadata
from ged.services.due_dates import add_months, recompute_due_dates
from ged.services.retention import RuleTerms
from ged.timeutil import today
from tests.ged.lifecycle_setup import People, document, events, file, people, runtime

__all__ = ["people", "runtime"]


def test_months_are_added_on_the_same_day_or_the_end_of_a_shorter_month():
    assert add_months(date(2024, 1, 31), 1) == date(2024, 2, 29)
    assert add_months(date(2023, 1, 31), 1) == date(2023, 2, 28)
    assert add_months(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert add_months(date(2024, 11, 15), 14) == date(2026, 1, 15)
    assert add_months(date(2024, 5, 1), 0) == date(2024, 5, 1)
    assert add_months(date(9999, 6, 1), 12) == date.max


def test_default_rules_ship_for_the_default_types(runtime: Runtime, people: People):
    with runtime.unit_of_work() as uow:
        rules = {
            rule.document_type.code: rule
            for rule in retention.list_rules(uow, people.auditor).items
        }
    assert rules["facture"].final_action == "destroy"
    assert rules["facture"].duration_years == 10
    assert (rules["contrat"].start_event, rules["contrat"].event_name) == (
        "event",
        "contract_ended",
    )
    assert rules["etat_civil"].final_action == "keep"
    invoice = file(runtime, people.agent, "facture", date(2024, 1, 31))
    kept = file(runtime, people.agent, "etat_civil", date(1990, 6, 1))
    assert document(runtime, invoice).due_date == date(2034, 1, 31)
    assert document(runtime, invoice).retention_rule_id == rules["facture"].id
    assert document(runtime, invoice).revision == 1  # filed with its rule, not updated after
    # kept for good: it has its rule and never falls due
    assert document(runtime, kept).retention_rule_id == rules["etat_civil"].id
    assert document(runtime, kept).due_date is None


def test_due_date_counts_from_each_start_event(runtime: Runtime, people: People):
    with runtime.unit_of_work() as uow:
        retention.create_rule(
            uow, people.archivist, "courrier", None, RuleTerms(1, 2, "created", None, "destroy")
        )
    letter = file(runtime, people.agent, "courrier", date(2001, 1, 1))
    assert document(runtime, letter).due_date == add_months(today(), 14)

    contract = file(runtime, people.agent, "contrat", date(2020, 3, 1))
    assert document(runtime, contract).retention_rule_id is not None
    assert document(runtime, contract).due_date is None  # its end is not known yet
    revision = document(runtime, contract).revision
    with runtime.unit_of_work() as uow:
        record_event(uow, people.agent, contract, "contract_ended", date(2025, 8, 31))
    assert document(runtime, contract).due_date == date(2030, 8, 31)
    assert document(runtime, contract).revision > revision
    with runtime.unit_of_work() as uow:
        record_event(uow, people.agent, contract, "contract_ended", date(2026, 2, 28))
    with runtime.unit_of_work() as uow:
        assert [(e.name, e.date) for e in list_events(uow, people.agent, contract)] == [
            ("contract_ended", date(2026, 2, 28))
        ]
    assert document(runtime, contract).due_date == date(2031, 2, 28)
    assert [e.details for e in events(runtime, "document.event")] == [
        {"name": "contract_ended", "before": None, "after": "2025-08-31"},
        {"name": "contract_ended", "before": "2025-08-31", "after": "2026-02-28"},
    ]

    invoice = file(runtime, people.agent, "facture")
    assert document(runtime, invoice).due_date is None  # no document date yet
    with runtime.unit_of_work() as uow:
        update_metadata(
            uow, people.agent, invoice, Metadata(document_date=date(2020, 2, 29)), {"document_date"}
        )
    assert document(runtime, invoice).due_date == date(2030, 2, 28)


def test_the_units_own_rule_wins_over_the_types_rule(runtime: Runtime, people: People):
    with runtime.unit_of_work() as uow:
        own = retention.create_rule(
            uow, people.archivist, "facture", "Finances", RuleTerms(duration_years=3)
        )
    finances = file(runtime, people.archivist, "facture", date(2024, 1, 31), unit="Finances")
    elsewhere = file(runtime, people.archivist, "facture", date(2024, 1, 31), unit="Urbanisme")
    assert document(runtime, finances).retention_rule_id == own.id
    assert document(runtime, finances).due_date == date(2027, 1, 31)
    assert document(runtime, elsewhere).due_date == date(2034, 1, 31)

    with runtime.unit_of_work() as uow:  # moving the document moves it under the other rule
        update_metadata(uow, people.archivist, elsewhere, Metadata(unit="Finances"), {"unit"})
    assert document(runtime, elsewhere).due_date == date(2027, 1, 31)
    with runtime.unit_of_work() as uow:
        retention.remove_rule(uow, people.archivist, own.id)
    assert document(runtime, finances).due_date == date(2034, 1, 31)
    assert document(runtime, elsewhere).due_date == date(2034, 1, 31)


def test_a_rule_change_recomputes_every_document_of_the_type(runtime: Runtime, people: People):
    leap = file(runtime, people.agent, "facture", date(2024, 1, 31))
    plain = file(runtime, people.archivist, "facture", date(2023, 6, 15), unit="Finances")
    letter = file(runtime, people.agent, "courrier", date(2023, 6, 15))
    with runtime.unit_of_work() as uow:
        first = retention.find_rule(uow, people.archivist, "facture")
    assert first is not None
    before = document(runtime, leap).revision
    with runtime.unit_of_work() as uow:
        second = retention.edit_rule(
            uow, people.archivist, first.id, {"duration_years": 0, "duration_months": 1}
        )
    assert (second.version, second.superseded_at) == (2, None)
    # the set-based path clamps to the end of February as add_months does
    assert document(runtime, leap).due_date == date(2024, 2, 29)
    assert document(runtime, leap).retention_rule_id == second.id
    assert document(runtime, leap).revision > before
    assert document(runtime, plain).due_date == date(2023, 7, 15)
    assert document(runtime, letter).retention_rule_id is None

    with runtime.unit_of_work() as uow:
        history = retention.rule_history(uow, people.auditor, second.id).items
        assert [(rule.version, rule.superseded_at is None) for rule in history] == [
            (1, False),
            (2, True),
        ]
    with runtime.unit_of_work() as uow, pytest.raises(Conflict, match="no longer in force"):
        retention.edit_rule(uow, people.archivist, first.id, {"duration_years": 2})
    with runtime.unit_of_work() as uow:
        retention.remove_rule(uow, people.archivist, second.id)
    assert document(runtime, leap).retention_rule_id is None
    assert document(runtime, leap).due_date is None
    with runtime.unit_of_work() as uow:
        assert leap in [doc.id for doc in retention.unruled_documents(uow, people.archivist).items]

    [update] = events(runtime, "retention_rule.update")
    assert update.object_id == str(second.id)
    assert update.details["before"] == {"duration_years": 10, "duration_months": 0}
    assert update.details["after"] == {"duration_years": 0, "duration_months": 1}
    assert update.details["supersedes"] == first.id
    assert update.details["documents"] == 2
    [removal] = events(runtime, "retention_rule.remove")
    assert removal.details["document_type"] == "facture"


def test_the_set_based_and_the_per_document_paths_agree(runtime: Runtime, people: People):
    days = [date(2024, 1, 31), date(2023, 12, 31), date(2024, 2, 29), date(2024, 3, 31)]
    days.append(date(9995, 6, 30))  # past the last day a date can be: that last day
    ids = [file(runtime, people.agent, "facture", day, title=f"f{n}") for n, day in enumerate(days)]
    with runtime.unit_of_work() as uow:
        rule = retention.find_rule(uow, people.archivist, "facture")
        assert rule is not None
        retention.edit_rule(uow, people.archivist, rule.id, {"duration_months": 11})
    got = [document(runtime, doc).due_date for doc in ids]
    assert got == [add_months(day, 131) for day in days]
    with runtime.unit_of_work() as uow:
        assert recompute_due_dates(uow.session) == 0  # already in line: nothing written
        uow.commit()


def test_rules_are_checked_and_reserved(runtime: Runtime, people: People):
    with runtime.unit_of_work() as uow, pytest.raises(InvalidInput) as refused:
        retention.create_rule(
            uow, people.archivist, "courrier", None, RuleTerms(start_event="event")
        )
    assert refused.value.field == "event_name"
    with runtime.unit_of_work() as uow, pytest.raises(InvalidInput) as refused:
        retention.create_rule(uow, people.archivist, "courrier", None, RuleTerms(-1))
    assert refused.value.field == "duration_years"
    with runtime.unit_of_work() as uow, pytest.raises(InvalidInput) as refused:
        retention.create_rule(
            uow, people.archivist, "courrier", None, RuleTerms(event_name="contract_ended")
        )
    assert refused.value.field == "event_name"
    with runtime.unit_of_work() as uow, pytest.raises(Conflict, match="already in force"):
        retention.create_rule(uow, people.archivist, "facture", None, RuleTerms())
    with runtime.unit_of_work() as uow, pytest.raises(PermissionDenied):
        retention.create_rule(uow, people.agent, "courrier", None, RuleTerms())
    with runtime.unit_of_work() as uow, pytest.raises(PermissionDenied):
        retention.list_rules(uow, people.agent)
    with runtime.unit_of_work() as uow, pytest.raises(PermissionDenied):
        retention.create_rule(uow, people.auditor, "courrier", None, RuleTerms())
    # a 0-day rule is a rule: due the day the document is dated
    with runtime.unit_of_work() as uow:
        zero = retention.create_rule(uow, people.admin, "courrier", None, RuleTerms())
    assert (zero.duration_years, zero.duration_months, zero.final_action) == (0, 0, "destroy")
    letter = file(runtime, people.agent, "courrier", date(2026, 1, 5))
    assert document(runtime, letter).due_date == date(2026, 1, 5)
    [created] = [e for e in events(runtime, "retention_rule.create") if e.object_id == str(zero.id)]
    assert created.details["document_type"] == "courrier"
    assert created.actor == "chef"
