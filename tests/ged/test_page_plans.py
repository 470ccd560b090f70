"""What a page edit asks, checked against the pages there are, and said in French."""

from __future__ import annotations

import re

import pytest

from ged.errors import InvalidInput
from ged.services.page_plans import (
    PageChanges,
    describe_changes,
    describe_extracted,
    plan_changes,
    plan_extract,
    ranges,
)
from ingest.page_edit import PagePick


def test_turns_deletions_and_order_make_the_list_of_pages():
    changes = PageChanges(rotate={4: 180}, delete=frozenset({2}), order=(4, 1, 3))
    assert plan_changes(changes, 4) == [PagePick(0, 4, 180), PagePick(0, 1), PagePick(0, 3)]
    assert plan_changes(PageChanges(delete={1}), 2) == [PagePick(0, 2)]


@pytest.mark.parametrize(
    ("changes", "field", "said"),
    [
        (PageChanges(rotate={0: 90}), "rotate", "there is no page 0"),
        (PageChanges(rotate={1: 360}), "rotate.1", "turns are 90, 180 or 270"),
        (PageChanges(delete={1, 2, 3}), "delete", "deleting all 3 page(s)"),
        (PageChanges(order=(3, 2, 2)), "order", "page 2 is named twice"),
        (PageChanges(order=(3, 1)), "order", "order leaves out page 2"),
        (PageChanges(order=(1, 2, 3)), "order", "nothing to change"),
    ],
)
def test_what_cannot_be_done_names_its_field(changes, field, said):
    with pytest.raises(InvalidInput, match=re.escape(said)) as refused:
        plan_changes(changes, 3)
    assert refused.value.field == field


def test_an_extract_takes_each_page_once_in_the_order_given():
    assert plan_extract([3, 1], 3) == [PagePick(0, 3), PagePick(0, 1)]
    for pages, said in (([], "at least one"), ([1, 1], "named twice"), ([4], "no page 4")):
        with pytest.raises(InvalidInput, match=said):
            plan_extract(pages, 3)


def test_the_history_says_it_in_french_with_ranges_and_agreement():
    assert ranges([7, 2, 3, 4, 9, 8]) == "2–4, 7–9"
    assert describe_changes(PageChanges(rotate={3: 90, 4: 90})) == "pages 3–4 tournées de 90°"
    assert describe_changes(PageChanges(rotate={1: 270}, delete={5})) == (
        "page 1 tournée de 270° ; page 5 supprimée"
    )
    assert describe_changes(PageChanges(delete={2, 5}, order=(3, 1, 4))) == (
        "pages 2, 5 supprimées ; pages remises dans l'ordre 3, 1, 4"
    )
    assert describe_extracted([2], 12) == "page 2 extraite dans le document n° 12"
