"""What a page edit asks, checked against the pages a version has and turned into the
list of pages of the new version (ingest.page_edit.PagePick), and said in French for the
version's comment, as an archivist reads it in the document's history."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from ged.errors import InvalidInput
from ingest.page_edit import TURNS, PagePick


@dataclass(frozen=True)
class PageChanges:
    """Pages are numbered as in the current version, from 1."""

    #: page number -> degrees clockwise (90, 180 or 270)
    rotate: Mapping[int, int] = field(default_factory=dict)
    #: every page kept, each once, in its new order; None keeps the order
    order: Sequence[int] | None = None
    #: pages to leave out of the new version (not all of them)
    delete: Collection[int] = ()


def plan_changes(changes: PageChanges, count: int) -> list[PagePick]:
    """The pages of the new version, from a version of ``count`` pages; InvalidInput
    naming the field for a page that does not exist, a turn that is not a quarter, an
    order that is no permutation of the pages kept, no page left, or nothing changed."""
    within(changes.rotate, count, "rotate")
    within(changes.delete, count, "delete")
    for number, angle in changes.rotate.items():
        if angle not in TURNS:
            raise InvalidInput(
                f"page {number} cannot be turned {angle}°: turns are 90, 180 or 270 degrees "
                "clockwise",
                field=f"rotate.{number}",
            )
        if number in changes.delete:
            raise InvalidInput(
                f"page {number} is both turned and deleted", field=f"rotate.{number}"
            )
    kept = [number for number in range(1, count + 1) if number not in changes.delete]
    if not kept:
        raise InvalidInput(
            f"deleting all {count} page(s) would leave nothing: delete the document instead",
            field="delete",
        )
    if changes.order is not None:
        _check_order(changes.order, kept, count)
        kept = list(changes.order)
    if not changes.rotate and not changes.delete and kept == sorted(kept):
        raise InvalidInput("the pages would stay as they are: nothing to change", field="order")
    return [PagePick(0, number, changes.rotate.get(number, 0)) for number in kept]


def plan_extract(pages: Sequence[int], count: int) -> list[PagePick]:
    """The pages to extract, in the order given, each once."""
    if not pages:
        raise InvalidInput("name at least one page to extract", field="pages")
    within(pages, count, "pages")
    twice = _twice(pages)
    if twice:
        raise InvalidInput(f"page {twice} is named twice", field="pages")
    return [PagePick(0, number) for number in pages]


def within(numbers: Iterable[int], count: int, name: str) -> None:
    for number in numbers:
        if not 1 <= number <= count:
            raise InvalidInput(
                f"the document has {count} page(s): there is no page {number}", field=name
            )


def _check_order(order: Sequence[int], kept: list[int], count: int) -> None:
    within(order, count, "order")
    twice = _twice(order)
    if twice:
        raise InvalidInput(f"page {twice} is named twice", field="order")
    deleted = sorted(set(order) - set(kept))
    if deleted:
        raise InvalidInput(
            f"page {deleted[0]} is deleted: order names the pages kept only", field="order"
        )
    missing = sorted(set(kept) - set(order))
    if missing:
        raise InvalidInput(
            f"order leaves out {page_list(missing)}: it names every page kept, each once",
            field="order",
        )


def _twice(numbers: Sequence[int]) -> int | None:
    repeated = [number for number, seen in Counter(numbers).items() if seen > 1]
    return repeated[0] if repeated else None


# ---------------------------------------------------------------- in French, for the history


def describe_changes(changes: PageChanges) -> str:
    """« pages 3–4 tournées de 90° ; page 6 supprimée ; pages remises dans l'ordre 2, 1 »"""
    parts = []
    for angle in TURNS:
        turned = [number for number, turn in changes.rotate.items() if turn == angle]
        if turned:
            parts.append(f"{page_list(turned)} {_agreed(turned, 'tournée')} de {angle}°")
    if changes.delete:
        parts.append(f"{page_list(changes.delete)} {_agreed(changes.delete, 'supprimée')}")
    if changes.order is not None and list(changes.order) != sorted(changes.order):
        parts.append("pages remises dans l'ordre " + ", ".join(map(str, changes.order)))
    return " ; ".join(parts)


def describe_extract(pages: Sequence[int], document_id: int, version: int) -> str:
    return f"{page_list(pages)} {_agreed(pages, 'extraite')} du document n° {document_id} (version {version})"


def describe_merge(document_ids: Sequence[int]) -> str:
    return "fusionné depuis les documents n° " + ", ".join(map(str, document_ids))


def describe_extracted(pages: Sequence[int], into: int) -> str:
    """What the history of an extract's source says of it."""
    return f"{page_list(pages)} {_agreed(pages, 'extraite')} dans le document n° {into}"


def describe_merged(into: int) -> str:
    return f"fusionné dans le document n° {into}"


def page_list(numbers: Collection[int]) -> str:
    """``page 3`` or ``pages 2, 5–7`` (the same words in French and English)."""
    return ("page " if len(set(numbers)) == 1 else "pages ") + ranges(numbers)


def ranges(numbers: Iterable[int]) -> str:
    """Page numbers as people write them: 2, 5–7."""
    runs: list[list[int]] = []
    for number in sorted(set(numbers)):
        if runs and number == runs[-1][-1] + 1:
            runs[-1].append(number)
        else:
            runs.append([number])
    return ", ".join(str(run[0]) if len(run) == 1 else f"{run[0]}–{run[-1]}" for run in runs)


def _agreed(numbers: Collection[int], participle: str) -> str:
    return participle if len(set(numbers)) == 1 else participle + "s"
