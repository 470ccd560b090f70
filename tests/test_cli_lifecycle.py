"""``ged retention`` and ``ged hold`` against a real database (SQLite and PostgreSQL): the
commands act as the server's operator (an administrator), and a hold they place stops
that same operator's deletion."""

from __future__ import annotations

from datetime import date

import pytest
from click.testing import CliRunner

from ged.access import command_line
from ged.bootstrap import Runtime
from ged.cli import cli
from ged.errors import Conflict
from ged.services.documents import delete_document
from tests.ged.lifecycle_setup import People, document, events, file, people, runtime

__all__ = ["people", "runtime"]


def ged(runtime: Runtime, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(
        cli, list(args), env={"GED_DATABASE__URL": runtime.settings.database.url}
    )
    return result.exit_code, result.stdout, result.stderr


def test_retention_set_list_and_remove(runtime: Runtime, people: People):
    invoice = file(runtime, people.archivist, "facture", date(2024, 1, 31), unit="Finances")
    code, out, err = ged(
        runtime,
        "retention",
        "set",
        "facture",
        "--unit",
        "Finances",
        "--years",
        "1",
        "--months",
        "1",
        "--action",
        "destroy",
        "--reference",
        "ligne 12",
    )
    assert code == 0, err
    assert "\tv1\tfacture\tFinances\t1 an(s) 1 mois\tdocument_date\tdestroy\tligne 12" in out
    assert document(runtime, invoice).due_date == date(2025, 2, 28)

    code, out, err = ged(
        runtime,
        "retention",
        "set",
        "facture",
        "--unit",
        "Finances",
        "--years",
        "2",
        "--action",
        "sort",
    )
    assert code == 0, err
    assert "\tv2\tfacture\tFinances\t2 an(s)\tdocument_date\tsort\t" in out
    assert document(runtime, invoice).due_date == date(2026, 1, 31)

    code, out, _ = ged(runtime, "retention", "list", "--type", "facture")
    lines = out.splitlines()
    assert [line.split("\t")[2:4] for line in lines] == [["facture", "*"], ["facture", "Finances"]]

    code, out, err = ged(
        runtime, "retention", "set", "contrat", "--from", "event", "--action", "sort"
    )
    assert code == 1
    assert "event_name" in err or "names it" in err

    code, _, err = ged(runtime, "retention", "remove", "facture", "--unit", "Finances")
    assert code == 0, err
    assert document(runtime, invoice).due_date == date(2034, 1, 31)
    code, _, err = ged(runtime, "retention", "remove", "facture", "--unit", "Finances")
    assert code == 1
    assert "no rule is in force" in err
    assert [e.actor for e in events(runtime, "retention_rule.update")] == [command_line().username]


def test_hold_place_list_and_release(runtime: Runtime, people: People):
    doc = file(runtime, people.agent)
    code, out, err = ged(runtime, "hold", "place", str(doc), "--reason", "enquête CADA")
    assert code == 0, err
    hold_id = int(out.split("\t")[0])
    assert "\tin force\t1 document(s)\tuntil -\tenquête CADA" in out
    with runtime.unit_of_work() as uow, pytest.raises(Conflict, match="enquête CADA"):
        delete_document(uow, command_line(), doc)

    code, out, _ = ged(runtime, "hold", "list")
    assert out.startswith(f"{hold_id}\tin force")
    code, out, err = ged(runtime, "hold", "release", str(hold_id), "--reason", "avis rendu")
    assert code == 0, err
    assert "\tended\t" in out
    code, out, _ = ged(runtime, "hold", "list")
    assert out == ""
    code, out, _ = ged(runtime, "hold", "list", "--all")
    assert out.startswith(f"{hold_id}\tended")
    with runtime.unit_of_work() as uow:
        delete_document(uow, command_line(), doc)

    code, _, err = ged(runtime, "hold", "place", "424242", "--reason", "x")
    assert code == 1
    assert "no document has the id 424242" in err
