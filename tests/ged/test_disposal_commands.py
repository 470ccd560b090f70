"""``ged disposal`` and a destruction killed midway, on SQLite and PostgreSQL: the visa is
refused to the proposer on the command line too; a SIGKILL between a document's commit and
the deletion of its files, then ``ged disposal execute`` again, ends with every listed
document destroyed, no blob of a kept document touched, a clean ``ged fsck``, an intact
audit chain and a certificate that verifies offline."""

from __future__ import annotations

import hashlib
import subprocess
import sys
import textwrap
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import select

from ged.cli import cli
from ged.models import DisposalItem
from tests.ged import disposal_setup
from tests.ged.disposal_setup import People, file, make_due
from tests.processes import ged_environment

runtime = disposal_setup.runtime
people = disposal_setup.people
ROOT = Path(__file__).resolve().parents[2]

#: runs a list's execution and dies (SIGKILL, nothing runs after it) right after the second
#: document's commit, before its files are deleted: the worst moment
_DIE_MIDWAY = textwrap.dedent(
    """
    import os, signal, sys
    from ged.bootstrap import build
    from ged.config import load_settings
    from ged.services import destruction

    calls = 0
    delete_files = destruction._delete_files

    def dying(units, digests):
        global calls
        calls += 1
        if calls == 2:
            os.kill(os.getpid(), signal.SIGKILL)
        delete_files(units, digests)

    destruction._delete_files = dying
    destruction.execute_list(build(load_settings()), int(sys.argv[1]))
    """
)


def env_of(runtime) -> dict[str, str]:
    return ged_environment(runtime.settings)


def ged(runtime, *args: str):
    return CliRunner().invoke(cli, list(args), env=env_of(runtime))


def sha(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def test_the_visa_on_the_command_line(runtime, people: People):
    document_id = file(runtime, people.archivist, b"facture cli")
    make_due(runtime, document_id)
    listed = ged(runtime, "disposal", "queue")
    assert listed.exit_code == 0, listed.output
    assert listed.output.splitlines()[0].startswith("destroy\t1\t0 held")
    proposed = ged(
        runtime,
        "disposal",
        "propose",
        "--as",
        "archives",
        "--title",
        "T",
        "--from-queue",
        "--submit",
    )
    assert proposed.exit_code == 0, proposed.output
    assert "disposal list 1: 1 document(s)" in proposed.output
    own = ged(runtime, "disposal", "approve", "1", "--as", "archives")
    assert own.exit_code == 1 and "archives authority" in own.output
    assert ged(runtime, "disposal", "approve", "1", "--as", "visa").exit_code == 0
    executed = ged(runtime, "disposal", "execute", "1")
    assert executed.exit_code == 0 and "1 destroyed, 0 skipped" in executed.output


def test_sigkill_mid_destruction_then_a_rerun_ends_in_the_same_state(
    runtime, people: People, tmp_path
):
    contents = [f"facture {n}".encode() for n in range(4)]
    listed = [file(runtime, people.archivist, content) for content in contents]
    shared_with_kept = file(runtime, people.archivist, contents[3], title="Gardée")
    for document_id in listed:
        make_due(runtime, document_id)
    ids = ",".join(map(str, listed))
    assert (
        ged(
            runtime,
            "disposal",
            "propose",
            "--as",
            "archives",
            "--title",
            "T",
            "--ids",
            ids,
            "--submit",
        ).exit_code
        == 0
    )
    assert ged(runtime, "disposal", "approve", "1", "--as", "visa").exit_code == 0

    killed = subprocess.run(
        [sys.executable, "-c", _DIE_MIDWAY, "1"],
        env={**env_of(runtime), "PYTHONPATH": str(ROOT)},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert killed.returncode == -9, killed.stderr
    with runtime.unit_of_work() as uow:
        outcomes = list(
            uow.session.scalars(select(DisposalItem.outcome).order_by(DisposalItem.document_id))
        )
    assert outcomes == ["destroyed", "destroyed", "pending", "pending"]
    store = runtime.adapters.blobs
    assert store.exists(sha(contents[1]))  # its row is gone, its file not yet: an orphan
    assert ged(runtime, "fsck").exit_code == 2

    rerun = ged(runtime, "disposal", "execute", "1")
    assert rerun.exit_code == 0, rerun.output
    assert "4 destroyed, 0 skipped" in rerun.output

    for content in contents[:3]:
        assert not store.exists(sha(content))
    assert store.exists(sha(contents[3]))  # also a kept document's
    fsck = ged(runtime, "fsck")
    assert fsck.exit_code == 0, fsck.output
    verified = ged(runtime, "audit", "verify")
    assert verified.exit_code == 0, verified.output
    certificate = tmp_path / "certificat.json"
    assert ged(runtime, "disposal", "certificate", "1", "-o", str(certificate)).exit_code == 0
    offline = CliRunner().invoke(cli, ["audit", "verify", "--file", str(certificate)])
    assert offline.exit_code == 0 and offline.output.startswith("OK: disposal certificate")
    data = certificate.read_bytes()
    changed = data.replace(b'"title": "Facture"', b'"title": "Factura"', 1)
    assert changed != data
    certificate.write_bytes(changed)
    broken = CliRunner().invoke(cli, ["audit", "verify", "--file", str(certificate)])
    assert broken.exit_code == 1 and broken.output.startswith("BROKEN")
    with runtime.unit_of_work() as uow:
        assert uow.session.get(DisposalItem, (1, shared_with_kept)) is None
