"""``ged archives journal`` against a real database: one past day's journal built here with
--wait prints a sound package; --all-pending takes the other sealed days, and tells why a
day asked for may not go."""

from __future__ import annotations

from pathlib import Path

from ged.bootstrap import Runtime
from seda.check import check_package
from tests.ged.test_journal_transfer import DAY1, DAY2, EMPTY_DAY, archivist, runtime
from tests.test_cli_archives import ged as ged_archives

__all__ = ["archivist", "runtime"]


def ged(runtime: Runtime, *args: str) -> tuple[int, str, str]:
    audit = runtime.settings.audit
    return ged_archives(
        runtime,
        *args,
        env={
            "GED_AUDIT__KEY_FILE": str(audit.key_file),
            "GED_AUDIT__TSA_URL": audit.tsa_url,
            "GED_AUDIT__TSA_CA_FILE": str(audit.tsa_ca_file),
        },
    )


def test_journal_of_a_day_then_all_pending(runtime: Runtime, archivist) -> None:
    code, out, err = ged(
        runtime, "archives", "journal", "--day", DAY1.isoformat(), "--wait", "--as", "archives"
    )
    assert code == 0, err
    assert f"journal of {DAY1}" in out
    package = Path(out.strip().splitlines()[-1])
    assert check_package(package) == []

    code, out, err = ged(runtime, "archives", "journal", "--day", EMPTY_DAY.isoformat(),
                         "--as", "archives")  # fmt: skip
    assert code != 0 and "is empty" in err

    code, out, err = ged(runtime, "archives", "journal", "--all-pending", "--as", "archives")
    assert code == 0, err
    assert f"journal of {DAY2}" in out and f"journal of {DAY1}" not in out
    assert "a worker builds" in out
    code, out, err = ged(runtime, "archives", "journal", "--all-pending", "--as", "archives")
    assert code == 0 and "transferred already" in out


def test_journal_needs_a_day_or_all_pending(runtime: Runtime, archivist) -> None:
    code, _out, err = ged(runtime, "archives", "journal", "--as", "archives")
    assert code == 2 and "--day YYYY-MM-DD or --all-pending" in err
