"""The filesystem side of watched folders, without services: a fake clock decides when
files are stable and a fake callback files them."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ingest.watch import (
    Filed,
    FolderWatcher,
    Postponed,
    Refused,
    Result,
    StabilityTracker,
)
from ingest.watch_files import (
    Drop,
    FolderProblem,
    Signature,
    claim,
    free_name,
    is_temporary_name,
    prepare_folder,
)

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=timezone(timedelta(hours=1)))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.mark.parametrize(
    ("name", "temporary"),
    [
        ("scan.pdf", False),
        ("Scan 2025-03-14.PDF", False),
        ("scan.pdf.part", True),
        ("scan.PART", True),
        ("upload.tmp", True),
        ("~$lettre.docx", True),
        ("~scan.pdf", True),
        (".scan.pdf", True),
        (".DS_Store", True),
        ("partition.pdf", False),
    ],
)
def test_temporary_and_hidden_names_are_never_taken(name, temporary):
    assert is_temporary_name(name) is temporary


def test_a_file_is_stable_once_its_size_and_mtime_held_for_the_delay():
    clock = Clock()
    tracker = StabilityTracker(5.0, clock)
    scan = {Path("a.pdf"): Signature(10, 1)}
    assert tracker.update(scan) == {}
    clock.advance(4.9)
    assert tracker.update(scan) == {}
    assert tracker.seconds_until_due() == pytest.approx(0.1)
    clock.advance(0.1)
    assert tracker.update(scan) == {Path("a.pdf"): Signature(10, 1)}


def test_a_change_of_size_or_mtime_restarts_the_delay():
    clock = Clock()
    tracker = StabilityTracker(5.0, clock)
    tracker.update({Path("a.pdf"): Signature(10, 1)})
    clock.advance(4)
    tracker.update({Path("a.pdf"): Signature(20, 1)})
    clock.advance(4)
    tracker.update({Path("a.pdf"): Signature(20, 2)})
    clock.advance(4)
    assert tracker.update({Path("a.pdf"): Signature(20, 2)}) == {}
    clock.advance(1)
    assert list(tracker.update({Path("a.pdf"): Signature(20, 2)})) == [Path("a.pdf")]


def test_files_gone_from_a_scan_are_forgotten_and_stable_ones_come_oldest_first():
    clock = Clock()
    tracker = StabilityTracker(1.0, clock)
    tracker.update({Path("b.pdf"): Signature(1, 1)})
    clock.advance(0.5)
    tracker.update({Path("b.pdf"): Signature(1, 1), Path("a.pdf"): Signature(1, 1)})
    clock.advance(1)
    both = {Path("b.pdf"): Signature(1, 1), Path("a.pdf"): Signature(1, 1)}
    assert list(tracker.update(both)) == [Path("b.pdf"), Path("a.pdf")]
    assert tracker.update({}) == {}
    assert tracker.seconds_until_due() is None
    assert tracker.update({Path("a.pdf"): Signature(1, 1)}) == {}, "timer restarts on return"


def test_with_no_delay_a_file_is_stable_at_first_sight():
    tracker = StabilityTracker(0, Clock())
    assert list(tracker.update({Path("a.pdf"): Signature(1, 1)})) == [Path("a.pdf")]


def test_free_name_never_reuses_a_file_or_its_note(tmp_path):
    assert free_name(tmp_path, "scan.pdf") == "scan.pdf"
    (tmp_path / "scan.pdf").write_bytes(b"x")
    assert free_name(tmp_path, "scan.pdf") == "scan (2).pdf"
    (tmp_path / "scan (2).pdf.error.txt").write_text("stray note of a crash")
    assert free_name(tmp_path, "scan.pdf") == "scan (3).pdf"
    (tmp_path / "README").write_bytes(b"x")
    assert free_name(tmp_path, "README") == "README (2)"


def test_claim_refuses_a_file_that_changed_since_it_was_judged_stable(tmp_path):
    path = tmp_path / "scan.pdf"
    path.write_bytes(b"%PDF-1.4 half")
    status = path.stat()
    judged = Signature(status.st_size, status.st_mtime_ns)
    with path.open("ab") as handle:
        handle.write(b" and the rest")
    assert claim(tmp_path, path, judged) is None
    assert path.exists()


class Station:
    """A watched folder on disk, a watcher with a fake clock, and what it filed."""

    def __init__(self, root: Path, after: str = "move", subfolders: tuple[str, ...] = ()) -> None:
        self.root = root
        self.clock = Clock()
        self.filed: list[tuple[str, str, bytes]] = []
        self.results: list[Result] = []
        self.behaviour: dict[str, Exception | Filed] = {}
        prepare_folder(root, subfolders)
        self.watcher = FolderWatcher(
            root,
            subfolders,
            after,
            stability_seconds=2.0,
            poll_seconds=10.0,
            file_document=self.file_document,
            report=self.results.append,
            clock=self.clock,
            now=lambda: NOW,
        )

    def file_document(self, drop: Drop) -> Filed:
        outcome = self.behaviour.get(drop.name)
        if isinstance(outcome, Exception):
            raise outcome
        self.filed.append((drop.subfolder, drop.name, drop.path.read_bytes()))
        return outcome or Filed(len(self.filed))

    def drop(self, name: str, content: bytes = b"%PDF-1.4\n") -> Path:
        path = self.root / name
        path.write_bytes(content)
        return path

    def settle(self) -> float:
        """Two passes, the stability delay apart: what was dropped is taken."""
        self.watcher.run_pass()
        self.clock.advance(2.0)
        return self.watcher.run_pass()

    def outcomes(self) -> list[tuple[str, str]]:
        return [(result.drop.origin, result.outcome) for result in self.results]


def files_under(directory: Path) -> list[str]:
    return sorted(
        str(path.relative_to(directory)) for path in directory.rglob("*") if path.is_file()
    )


def test_a_drop_shows_its_origin_without_control_characters():
    assert Drop(Path("/s/.processing/urgent/a.pdf"), "urgent").origin == "urgent/a.pdf"
    assert Drop(Path("/s/.processing/bell\x07.pdf"), "").origin == "bell\\x07.pdf"


def test_a_stable_file_is_claimed_filed_then_moved_to_done_of_the_day(tmp_path):
    station = Station(tmp_path)
    station.drop("scan.pdf")
    assert station.watcher.run_pass() == pytest.approx(2.0)
    assert station.filed == [], "not stable yet"
    station.clock.advance(2.0)
    assert station.watcher.run_pass() == 10.0, "nothing tracked: wait for the poll"
    assert station.filed == [("", "scan.pdf", b"%PDF-1.4\n")]
    assert station.outcomes() == [("scan.pdf", "taken"), ("scan.pdf", "filed")]
    assert station.results[-1].document_id == 1
    assert files_under(tmp_path) == ["done/2025-03-14/scan.pdf"]


def test_after_delete_the_file_is_removed_once_filed(tmp_path):
    station = Station(tmp_path, after="delete")
    station.drop("scan.pdf")
    station.settle()
    assert station.outcomes()[-1] == ("scan.pdf", "filed")
    assert files_under(tmp_path) == []


def test_temporary_names_wait_until_renamed(tmp_path):
    station = Station(tmp_path)
    part = station.drop("scan.pdf.part")
    station.drop("~lock")
    station.drop(".hidden")
    station.settle()
    assert station.filed == []
    part.rename(tmp_path / "scan.pdf")
    station.settle()
    assert [name for _, name, _ in station.filed] == ["scan.pdf"]


def test_files_of_configured_subfolders_are_taken_with_their_subfolder_and_others_ignored(
    tmp_path,
):
    station = Station(tmp_path, subfolders=("factures",))
    station.drop("factures/f1.pdf", b"%PDF f1")
    (tmp_path / "other").mkdir()
    station.drop("other/o.pdf")
    station.settle()
    assert station.filed == [("factures", "f1.pdf", b"%PDF f1")]
    assert station.outcomes()[-1] == ("factures/f1.pdf", "filed")
    assert (tmp_path / "other" / "o.pdf").exists()
    assert (tmp_path / "done" / "2025-03-14" / "f1.pdf").exists()


def test_a_refused_file_goes_to_failed_with_what_when_and_what_to_do(tmp_path):
    station = Station(tmp_path)
    station.behaviour["blank.pdf"] = Refused("the file is empty", "scan the paper again")
    station.drop("blank.pdf", b"")
    station.settle()
    station.drop("blank.pdf", b"")
    station.settle()
    assert files_under(tmp_path) == [
        "failed/blank (2).pdf",
        "failed/blank (2).pdf.error.txt",
        "failed/blank.pdf",
        "failed/blank.pdf.error.txt",
    ]
    note = (tmp_path / "failed" / "blank.pdf.error.txt").read_text()
    assert "What went wrong: the file is empty" in note
    assert "When: 2025-03-14 09:30:00 +0100" in note
    assert "What to do: scan the paper again" in note
    assert f"move the file back into {tmp_path}" in note
    assert station.results[-1].reason == "the file is empty"


def test_an_unexpected_error_sets_the_file_aside_and_the_watcher_goes_on(tmp_path):
    station = Station(tmp_path)
    station.behaviour["bad.pdf"] = KeyError("boom")
    station.drop("bad.pdf")
    station.drop("good.pdf")
    station.settle()
    assert station.outcomes()[-3:] == [
        ("bad.pdf", "failed"),
        ("good.pdf", "taken"),
        ("good.pdf", "filed"),
    ]
    note = (tmp_path / "failed" / "bad.pdf.error.txt").read_text()
    assert "unexpected error: KeyError: 'boom'" in note


def test_a_postponed_file_stays_claimed_and_is_finished_on_a_later_pass(tmp_path):
    station = Station(tmp_path)
    station.behaviour["a.pdf"] = Postponed("database is unavailable")
    station.drop("a.pdf")
    station.drop("b.pdf")
    assert station.settle() == 10.0, "a service is down: wait for the poll interval"
    assert files_under(tmp_path) == [".processing/a.pdf", "b.pdf"]
    assert station.outcomes()[-1] == ("a.pdf", "postponed")
    del station.behaviour["a.pdf"]
    station.watcher.run_pass()
    assert [name for _, name, _ in station.filed] == ["a.pdf", "b.pdf"]
    assert files_under(tmp_path) == ["done/2025-03-14/a.pdf", "done/2025-03-14/b.pdf"]


def test_a_duplicate_goes_to_done_with_a_note_naming_the_document(tmp_path):
    for after in ("move", "delete"):
        root = tmp_path / after
        root.mkdir()
        station = Station(root, after=after)
        station.behaviour["again.pdf"] = Filed(42, duplicate=True)
        station.drop("again.pdf")
        station.settle()
        assert station.results[-1].outcome == "duplicate"
        assert station.results[-1].document_id == 42
        assert files_under(root) == [
            "done/2025-03-14/again.pdf",
            "done/2025-03-14/again.pdf.duplicate.txt",
        ]
        note = (root / "done" / "2025-03-14" / "again.pdf.duplicate.txt").read_text()
        assert "identical, byte for byte, to document 42" in note


def test_what_a_killed_watcher_left_in_processing_is_finished_first(tmp_path):
    station = Station(tmp_path, subfolders=("urgent",))
    (tmp_path / ".processing" / "urgent").mkdir(parents=True)
    (tmp_path / ".processing" / "urgent" / "left.pdf").write_bytes(b"left")
    (tmp_path / ".processing" / "root.pdf").write_bytes(b"root")
    station.watcher.run_pass()
    assert station.filed == [("", "root.pdf", b"root"), ("urgent", "left.pdf", b"left")]
    assert files_under(tmp_path) == ["done/2025-03-14/left.pdf", "done/2025-03-14/root.pdf"]


def test_a_name_still_in_processing_is_never_overwritten_by_a_claim(tmp_path):
    station = Station(tmp_path)
    station.behaviour["same.pdf"] = Postponed("down")
    (tmp_path / ".processing" / "same.pdf").write_bytes(b"first")
    station.drop("same.pdf", b"second")
    station.settle()
    assert (tmp_path / ".processing" / "same.pdf").read_bytes() == b"first"
    assert (tmp_path / "same.pdf").read_bytes() == b"second"


def test_prepare_folder_creates_the_working_directories(tmp_path):
    prepare_folder(tmp_path, ("factures",))
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        ".processing",
        "done",
        "factures",
        "failed",
    ]
    assert not any(p.name.startswith(".ged-probe") for p in tmp_path.rglob("*"))


def test_prepare_folder_names_a_missing_folder(tmp_path):
    with pytest.raises(
        FolderProblem, match=rf"^watched folder {tmp_path}/absent: it does not exist$"
    ):
        prepare_folder(tmp_path / "absent", ())


def test_prepare_folder_names_a_file_that_is_not_a_folder(tmp_path):
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(FolderProblem, match="file: it is not a directory"):
        prepare_folder(tmp_path / "file", ())


@pytest.mark.parametrize("name", ["done", ".processing", "a/b", "", ".hidden"])
def test_prepare_folder_refuses_subfolder_names_it_could_not_keep_apart(tmp_path, name):
    with pytest.raises(FolderProblem, match="sub-folder name"):
        prepare_folder(tmp_path, (name,))


def test_prepare_folder_names_a_working_folder_it_cannot_create(tmp_path):
    # A file where done/ should be: the same refusal as a folder without write access,
    # and one that root meets too (permission bits do not stop root).
    root = tmp_path / "scans"
    root.mkdir()
    (root / "done").write_text("not a folder")
    with pytest.raises(
        FolderProblem, match=r"scans: cannot list and write .*done.*needs read and write access"
    ):
        prepare_folder(root, ())
