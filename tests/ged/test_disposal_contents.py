"""What a disposal list shows the people deciding on it: each document's title and the
rule it is due under, to the archives authority too, who holds no grant on them."""

from __future__ import annotations

import pytest

from ged.errors import PermissionDenied
from ged.services import disposal
from ged.services.disposal_contents import list_contents
from tests.ged import disposal_setup
from tests.ged.disposal_setup import People, file, make_due

runtime = disposal_setup.runtime
people = disposal_setup.people


def test_the_authority_reads_the_titles_and_rules_of_a_list_it_may_not_open(runtime, people):
    first = file(runtime, people.agent, b"facture 1", title="Facture Kerlouan")
    second = file(runtime, people.agent, b"facture 2", title="Facture Plouguerneau")
    rule_id = make_due(runtime, first)
    make_due(runtime, second)
    with runtime.unit_of_work() as uow:
        made = disposal.create_list(
            uow, people.archivist, "Factures", selection={"ids": [second, first]}
        )
    with runtime.unit_of_work() as uow:
        contents = list_contents(uow, people.authority, made.id)
        assert [entry.title for entry in contents] == ["Facture Kerlouan", "Facture Plouguerneau"]
        assert contents[0].rule.id == rule_id
        assert contents[0].item.outcome == "pending"


def test_an_agent_may_not_read_a_list(runtime, people: People):
    with runtime.unit_of_work() as uow, pytest.raises(PermissionDenied):
        list_contents(uow, people.agent, 1)
