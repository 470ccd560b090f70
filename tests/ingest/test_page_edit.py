"""Pages put together again with pikepdf: picked in order, turned by /Rotate only (the
page's content untouched), from several files; word boxes turned with their page."""

from __future__ import annotations

import pikepdf
import pytest

from ingest.page_edit import PagePick, UnreadablePdf, assemble, count_pages, turn_boxes
from tests.ingest.samples import born_digital_pdf, page_lines

BOX = [0.1, 0.2, 0.3, 0.25, "mot"]


def test_a_quarter_turn_clockwise_moves_a_box_from_the_top_left_to_the_top_right():
    assert turn_boxes([BOX], 90) == [[0.75, 0.1, 0.8, 0.3, "mot"]]
    assert turn_boxes([BOX], 180) == [[0.7, 0.75, 0.9, 0.8, "mot"]]
    assert turn_boxes([BOX], 270) == [[0.2, 0.7, 0.25, 0.9, "mot"]]


def test_four_quarter_turns_and_no_turn_leave_the_boxes_where_they_were():
    boxes = [BOX]
    for _ in range(4):
        boxes = turn_boxes(boxes, 90)
    assert boxes == [BOX]
    assert turn_boxes([BOX], 0) == [BOX]
    assert turn_boxes(None, 90) is None  # a text layer has no boxes


def pdf(path, titles):
    return born_digital_pdf(path, [page_lines(title, seed=n) for n, title in enumerate(titles)])


def test_pages_are_picked_in_order_turned_and_copied_as_they_are(tmp_path):
    first = pdf(tmp_path / "a.pdf", ["Un", "Deux", "Trois"])
    second = pdf(tmp_path / "b.pdf", ["Annexe"])
    target = tmp_path / "out.pdf"

    assemble([first, second], [PagePick(1, 1), PagePick(0, 3, 270), PagePick(0, 1)], target)

    assert count_pages(target) == 3
    with pikepdf.open(target) as made, pikepdf.open(first) as a, pikepdf.open(second) as b:
        pages = made.pages
        assert [int(p.obj.get("/Rotate", 0)) for p in pages] == [0, 270, 0]
        expected = [b.pages[0], a.pages[2], a.pages[0]]
        for page, source in zip(pages, expected, strict=True):
            assert page.Contents.read_bytes() == source.Contents.read_bytes()


def test_a_page_already_turned_turns_further(tmp_path):
    source = pdf(tmp_path / "a.pdf", ["Un"])
    with pikepdf.open(source, allow_overwriting_input=True) as document:
        document.pages[0].rotate(90, relative=False)
        document.save(source)
    target = tmp_path / "out.pdf"
    assemble([source], [PagePick(0, 1, 270)], target)
    with pikepdf.open(target) as made:
        assert int(made.pages[0].obj.get("/Rotate", 0)) % 360 == 0


def test_a_damaged_pdf_is_refused_with_a_reason(tmp_path):
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(b"%PDF-1.4\n%%EOF\n")
    with pytest.raises(UnreadablePdf, match="cannot be read"):
        count_pages(damaged)
    with pytest.raises(UnreadablePdf):
        assemble([damaged], [PagePick(0, 1)], tmp_path / "out.pdf")
    short = pdf(tmp_path / "one.pdf", ["Un"])
    with pytest.raises(UnreadablePdf, match="cannot be written"):
        assemble([short], [PagePick(0, 2)], tmp_path / "out.pdf")
