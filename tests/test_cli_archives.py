"""``ged archives`` against a real database: a transfer built here with --wait prints its
package, which ``ged archives check`` finds sound; a damaged one it does not."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

from click.testing import CliRunner

from ged.bootstrap import Runtime
from ged.cli import cli
from tests.ged.test_transfers import archivist, due_for_transfer, runtime

__all__ = ["archivist", "runtime"]


def ged(runtime: Runtime, *args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    settings = runtime.settings
    archives = settings.archives
    env = {
        "GED_DATABASE__URL": settings.database.url,
        "GED_STORAGE__PATH": str(settings.storage.path),
        "GED_REDIS__URL": settings.redis.url,
        "GED_REDIS__QUEUE": settings.redis.queue,
        "GED_OPENSEARCH__URLS": json.dumps(list(settings.opensearch.urls)),
        "GED_OPENSEARCH__INDEX_PREFIX": settings.opensearch.index_prefix,
        "GED_ARCHIVES__PACKAGES_DIR": str(archives.packages_dir),
        "GED_ARCHIVES__ARCHIVAL_AGENCY": archives.archival_agency.model_dump_json(),
        "GED_ARCHIVES__TRANSFERRING_AGENCY": archives.transferring_agency.model_dump_json(),
        **(env or {}),
    }
    result = CliRunner().invoke(cli, list(args), env=env)
    return result.exit_code, result.stdout, result.stderr


def test_transfer_wait_builds_a_package_that_check_finds_sound(
    runtime: Runtime, archivist, tmp_path: Path
) -> None:
    first = due_for_transfer(runtime, b"%PDF-1.4 a\n", "a.pdf")
    second = due_for_transfer(runtime, b"%PDF-1.4 b\n", "b.pdf")

    code, out, err = ged(
        runtime, "archives", "transfer", "--title", "Versement", "--all-due", "--wait",
        "--as", "archives",
    )  # fmt: skip

    assert code == 0, err
    package = Path(out.strip().splitlines()[-1])
    assert package.is_file() and package.parent == runtime.settings.archives.packages_dir
    assert "2 document(s)" in out
    code, out, err = ged(runtime, "archives", "check", str(package))
    assert code == 0, err
    code, out, _err = ged(runtime, "archives", "list")
    assert "\tready\t2/2\t2\tVersement" in out
    damaged = tmp_path / "damaged.zip"
    with zipfile.ZipFile(package) as source, zipfile.ZipFile(damaged, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            target.writestr(info, data.replace(b"%PDF-1.4 b", b"%PDF-1.4 c"))
    code, _out, err = ged(runtime, "archives", "check", str(damaged))
    assert code == 1 and f"BDO-{second}-v1" in err and f"BDO-{first}-v1" not in err


def test_transfer_needs_documents(runtime: Runtime, archivist) -> None:
    code, _out, err = ged(runtime, "archives", "transfer", "--title", "V", "--as", "archives")
    assert code == 2 and "--all-due or one --document" in err
