"""Audit filters are read once, from query strings, forms and command-line options alike."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from ged.audit.query import EventFilters, filters_from
from ged.errors import InvalidInput


def test_every_filter_is_read_from_its_name():
    filters = filters_from(
        {
            "stream": "access",
            "date_from": "2026-11-02",
            "date_to": "2026-11-03",
            "actor": " agent3 ",
            "action": "document.view",
            "document": "7",
            "outcome": "denied",
            "seq_from": "10",
            "seq_to": "20",
        },
        strict=True,
    )
    assert filters == EventFilters(
        stream="access",
        date_from=datetime(2026, 11, 2, tzinfo=UTC),
        date_to=datetime(2026, 11, 3, 23, 59, 59, 999999, tzinfo=UTC),
        actor="agent3",
        action="document.view",
        document_id=7,
        outcome="denied",
        seq_from=10,
        seq_to=20,
    )


def test_blank_and_absent_values_select_everything():
    assert filters_from({"actor": "", "document": "  ", "outcome": None}, strict=True) == (
        EventFilters()
    )


def test_strict_reading_refuses_unknown_names_but_the_callers_own():
    with pytest.raises(InvalidInput) as refused:
        filters_from({"documnet": "3", "page": "2"}, strict=True, known={"page"})
    assert refused.value.field == "documnet"
    assert filters_from({"documnet": "3", "page": "2"}, strict=False) == EventFilters()
    assert filters_from({"page": "2"}, strict=True, known={"page"}) == EventFilters()


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("document", "douze"),
        ("document", "0"),
        ("seq_from", "-1"),
        ("date_from", "hier"),
        ("date_to", "2026-13-01"),
        ("outcome", "perhaps"),
        ("stream", "both"),
    ],
)
def test_a_wrong_value_names_its_field(name, value):
    with pytest.raises(InvalidInput) as refused:
        filters_from({name: value}, strict=False)
    assert refused.value.field == name
