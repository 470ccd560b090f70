"""A SEDA transfer package of 1,000 documents (about 1 GB), built with flat memory, against
a plain ``zip`` of the same files in the same run.

On a scratch SQLite database and blob store: N documents of random (incompressible) bytes,
sizes spread around 1 MiB, each due under a rule ending in "transfer", filed with core
INSERTs (the pipeline is not the subject). Then:

1. ``propose_transfer`` of the whole "à verser" queue;
2. ``build_transfer``: every blob streamed into the ZIP with its SHA-512 and FIDO's
   identification, the manifest spooled and validated, the pre-flight check reading the
   package back (schema, sizes, SHA-512), then its SHA-256 — seconds, MB/s, and the growth
   of the process's peak RSS over the build (ru_maxrss: what a 10 GB transfer would need
   more of is what grows here);
3. the same blob files zipped by the ``zip`` command, stored (``-0``, as ged stores them)
   and deflated (its default), or by Python's zipfile (STORED) if ``zip`` is not installed.

Only SQLite: the work is in the files, the database sees a few hundred rows.

Usage: .venv/bin/python bench/bench_transfer.py [--documents 1000] [--megabytes 1000]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import shutil
import subprocess
import tempfile
import time
import zipfile
from datetime import timedelta
from pathlib import Path

from sqlalchemy import insert, select

from ged.access import command_line, principal_for
from ged.bootstrap import Runtime, build
from ged.config import Settings, load_settings
from ged.migrate import upgrade
from ged.models import Blob, Document, DocumentType, RetentionRule, User, Version
from ged.services.transfer_build import build_transfer
from ged.services.transfers import TransferRequest, propose_transfer
from ged.services.users import create_user
from ged.timeutil import today
from seda.check import check_package

MB = 1024 * 1024


def settings_for(work: Path) -> Settings:
    return load_settings(
        None,
        environ={
            "GED_DATABASE__URL": f"sqlite:///{work / 'ged.sqlite3'}",
            "GED_STORAGE__PATH": str(work / "blobs"),
            "GED_WEB__SECRET_KEY_FILE": str(work / "secret"),
            "GED_AUDIT__KEY_FILE": str(work / "audit.key"),
            "GED_ARCHIVES__PACKAGES_DIR": str(work / "transfers"),
            "GED_ARCHIVES__ARCHIVAL_AGENCY": '{"identifier": "FRAD075"}',
            "GED_ARCHIVES__TRANSFERRING_AGENCY": '{"identifier": "21750001600019"}',
        },
    )


def seed(runtime: Runtime, documents: int, total_bytes: int) -> tuple[int, list[Path]]:
    """N documents of random bytes due for transfer; the archivist's id and the blob files."""
    rng = random.Random(16)
    mean = total_bytes // documents
    with runtime.unit_of_work() as uow:
        user = create_user(uow, command_line(), "archives", "archivist", "mot de passe bench")
        user_id = user.id
    with runtime.unit_of_work() as uow:
        session = uow.session
        type_id = session.scalar(select(DocumentType.id).where(DocumentType.code == "facture"))
        rule = RetentionRule(
            document_type_id=type_id,
            duration_years=10,
            start_event="document_date",
            final_action="transfer",
            reference="TG 4.2",
        )
        session.add(rule)
        session.flush()
        files, due = [], today() - timedelta(days=1)
        for number in range(1, documents + 1):
            size = rng.randint(mean // 2, mean * 3 // 2)
            stored = uow.blobs.put(_RandomStream(rng, size))
            session.execute(insert(Blob), [{"sha256": stored.sha256, "size": stored.size}])
            document_id = session.execute(
                insert(Document).values(
                    title=f"Facture {number}",
                    document_type_id=type_id,
                    document_date=due - timedelta(days=3650),
                    current_version=1,
                    created_by_id=user_id,
                    retention_rule_id=rule.id,
                    due_date=due,
                )
            ).inserted_primary_key[0]
            session.execute(
                insert(Version).values(
                    document_id=document_id,
                    number=1,
                    blob_sha256=stored.sha256,
                    size=stored.size,
                    mime_type="application/octet-stream",
                    filename=f"Facture n°{number} (été).bin",
                    created_by_id=user_id,
                    status="done",
                )
            )
            with uow.blobs.local_file(stored.sha256) as path:
                files.append(path)
        uow.commit()
    return user_id, files


class _RandomStream:
    """``size`` random bytes, produced as they are read."""

    def __init__(self, rng: random.Random, size: int) -> None:
        self._rng, self._left = rng, size

    def read(self, count: int = -1) -> bytes:
        count = self._left if count < 0 else min(count, self._left)
        self._left -= count
        return self._rng.randbytes(count)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mb() -> float:
    """The process's resident memory now (Linux), in MiB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def plain_zip(files: list[Path], target: Path, *options: str) -> float:
    started = time.perf_counter()
    if shutil.which("zip"):
        listing = "\n".join(str(path) for path in files).encode()
        subprocess.run(["zip", "-q", *options, str(target), "-@"], input=listing, check=True)
    else:
        with zipfile.ZipFile(target, "w", zipfile.ZIP_STORED, allowZip64=True) as package:
            for path in files:
                package.write(path, path.name)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--megabytes", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ged-bench-transfer-") as directory:
        work = Path(directory)
        settings = settings_for(work)
        upgrade(settings.database.url)
        runtime = build(settings)
        try:
            started = time.perf_counter()
            user_id, files = seed(runtime, args.documents, args.megabytes * MB)
            data = sum(path.stat().st_size for path in files)
            print(
                f"seeded {args.documents} documents, {data / MB:.0f} MiB of random bytes "
                f"in {time.perf_counter() - started:.1f} s"
            )
            with runtime.unit_of_work() as uow:
                archivist = principal_for(uow.session.get_one(User, user_id))
                request = TransferRequest(title="Bench", selection={"queue": "transfer"})
                transfer_id = propose_transfer(uow, archivist, request, enqueue=False).id
            before, resident = peak_rss_mb(), rss_mb()
            started = time.perf_counter()
            built = build_transfer(runtime, transfer_id)
            seconds = time.perf_counter() - started
            growth = peak_rss_mb() - before
            assert built.status == "ready", built.error
            package = settings.archives.packages_dir / f"{built.message_identifier}.zip"
            started = time.perf_counter()
            assert check_package(package) == []
            check_seconds = time.perf_counter() - started
            print(
                f"ged build_transfer: {seconds:.1f} s, {data / MB / seconds:.0f} MiB/s "
                f"(of which the pre-flight check alone takes about {check_seconds:.1f} s); "
                f"package {package.stat().st_size / MB:.0f} MiB; memory: peak RSS grew "
                f"{growth:.1f} MiB over the {before:.0f} MiB peak of the set-up, RSS "
                f"{resident:.0f} -> {rss_mb():.0f} MiB"
            )
            for label, options in (("zip -0 (stored)", ("-0",)), ("zip (deflate)", ())):
                target = work / f"plain-{len(options)}.zip"
                plain = plain_zip(files, target, *options)
                print(
                    f"{label}: {plain:.1f} s, {data / MB / plain:.0f} MiB/s; "
                    f"ged takes {seconds / plain:.2f}x its time"
                )
                os.unlink(target)
        finally:
            runtime.close()


if __name__ == "__main__":
    main()
