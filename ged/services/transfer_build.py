"""Building a transfer's package: the worker's job (or ``ged archives transfer --wait``).

What goes in depends on the kind: documents (ged.services.transfer_contents) or one day of
the lifecycle journal (ged.services.journal_transfer), both as PackageContents.

The package is written to a file of this build's own under [archives] packages_dir, the
files streamed from the blob store; progress is committed every PROGRESS_EVERY files for
the progress bar. Once written, ged's pre-flight check reads it back (schema, sizes,
SHA-512): a package that fails it is never offered. Then, under the transfer's row lock,
the file takes its final name and the transfer becomes "ready" — or, if another build
of the same transfer finished first (a recovered job running beside a slow one), this
one's file is dropped. A build that dies leaves the transfer "building": the recovery
sweep queues it again, and the build starts over from scratch, which is always safe.
"""

from __future__ import annotations

import hashlib
import logging
import os
import uuid
from datetime import datetime
from pathlib import Path

from ged.access import Principal, authorize
from ged.audit.chain import record
from ged.config import Agency as ConfiguredAgency
from ged.config import ArchivesSettings
from ged.errors import ServiceUnavailable
from ged.models import Transfer
from ged.ports import Progress
from ged.services.journal_transfer import journal_contents
from ged.services.pipeline import Runner
from ged.services.transfer_contents import (
    BuildFailed,
    PackageContents,
    document_contents,
    plan_documents,
)
from ged.services.transfer_contents import version_text as text_of
from ged.services.transfers import get_transfer, package_path
from ged.storage import BlobNotFound
from ged.uow import UnitOfWork
from seda.check import check_package
from seda.model import Agency, Message
from seda.package import PackageWriter

log = logging.getLogger(__name__)

#: files written between two commits of the progress
PROGRESS_EVERY = 20


def run_transfer(
    runner: Runner, principal: Principal, transfer_id: int, progress: Progress | None = None
) -> Transfer:
    """``ged archives transfer --wait``: build the package now, in this process."""
    authorize(principal, "transfer.prepare")
    return build_transfer(runner, transfer_id, progress)


def build_transfer(runner: Runner, transfer_id: int, progress: Progress | None = None) -> Transfer:
    """Write the package of a transfer still "building"; a transfer in any other state is
    returned as it is. ServiceUnavailable propagates (the job is retried); any other
    failure marks the transfer failed, with the reason."""
    units = runner.unit_of_work
    with units() as uow:
        transfer = get_transfer(uow, transfer_id)
        if transfer.status != "building":
            return transfer
        message = _message(uow.settings.archives, transfer, uow.clock.now())
        building = uow.settings.archives.packages_dir / ".building"
        scratch = building / f"{message.identifier}-{uuid.uuid4().hex[:8]}.zip"
        failure: str | None = None
        try:
            contents = _contents(runner, uow, transfer, scratch)
        except (BuildFailed, OSError) as exc:
            uow.rollback()
            failure = _in_words(exc)
        else:
            transfer.progress_done, transfer.progress_total = 0, contents.total
            transfer.error = None
            uow.commit()
    if failure is not None:
        return _fail(runner, transfer_id, failure)
    try:
        _write(runner, transfer_id, scratch, message, contents, progress)
        problems = check_package(scratch)
        if problems:
            raise BuildFailed("the package failed ged's pre-flight check: " + "; ".join(problems))
    except ServiceUnavailable:
        scratch.unlink(missing_ok=True)
        raise
    except (BuildFailed, BlobNotFound, OSError) as exc:
        scratch.unlink(missing_ok=True)
        return _fail(runner, transfer_id, _in_words(exc))
    finally:
        for path in contents.scratch:
            path.unlink(missing_ok=True)
    return _publish(runner, transfer_id, scratch, contents)


def _contents(
    runner: Runner, uow: UnitOfWork, transfer: Transfer, scratch: Path
) -> PackageContents:
    """What the package of ``transfer`` holds: its documents, or its day of the journal."""
    if transfer.kind == "journal":
        return journal_contents(uow, transfer, scratch.with_suffix(".bundle.zip"))
    items = {item.document_id: item.retention_rule_id for item in transfer.items}

    def read(version_id: int) -> str:
        with runner.unit_of_work() as reading:
            return text_of(reading, version_id)

    planned = plan_documents(
        uow, sorted(items), items, versions=transfer.versions, pdfa=transfer.pdfa, read_text=read
    )
    return document_contents(planned)


def _write(
    runner: Runner,
    transfer_id: int,
    scratch: Path,
    message: Message,
    contents: PackageContents,
    progress: Progress | None,
) -> None:
    done, total = 0, contents.total
    with PackageWriter(scratch, message) as package:
        for group_id, objects in contents.groups:
            package.add_group(group_id, objects)
            before, done = done, done + len(objects)
            if done // PROGRESS_EVERY != before // PROGRESS_EVERY:
                _progress(runner, transfer_id, done)
            if progress is not None:
                progress(done, total)
        package.finish(contents.units)


def _progress(runner: Runner, transfer_id: int, done: int) -> None:
    with runner.unit_of_work() as uow:
        get_transfer(uow, transfer_id).progress_done = done
        uow.commit()


def _publish(
    runner: Runner, transfer_id: int, scratch: Path, contents: PackageContents
) -> Transfer:
    digest = _sha256(scratch)
    with runner.unit_of_work() as uow:
        transfer = get_transfer(uow, transfer_id, lock=True)
        if transfer.status != "building":
            scratch.unlink(missing_ok=True)  # another build of it finished first
            return transfer
        final = package_path(uow.settings.archives.packages_dir, transfer.message_identifier)
        os.replace(scratch, final)
        transfer.status = "ready"
        transfer.package_size = final.stat().st_size
        transfer.package_sha256 = digest
        transfer.built_at = uow.clock.now()
        transfer.progress_done = contents.total
        record(
            uow.session,
            None,
            "transfer.build",
            object_type="transfer",
            object_id=transfer_id,
            details={
                "message_identifier": transfer.message_identifier,
                "status": "ready",
                **contents.details,
                "data_objects": contents.total,
                "size": transfer.package_size,
                "sha256": digest,
            },
        )
        uow.commit()
        log.info(
            "transfer %s: package %s ready (%s bytes)", transfer_id, final, final.stat().st_size
        )
        return transfer


def _fail(runner: Runner, transfer_id: int, reason: str) -> Transfer:
    log.warning("transfer %s: the package could not be built: %s", transfer_id, reason)
    with runner.unit_of_work() as uow:
        transfer = get_transfer(uow, transfer_id, lock=True)
        if transfer.status != "building":
            return transfer
        transfer.status, transfer.error = "failed", reason
        record(
            uow.session,
            None,
            "transfer.build",
            object_type="transfer",
            object_id=transfer_id,
            details={
                "message_identifier": transfer.message_identifier,
                "status": "failed",
                "error": reason,
            },
        )
        uow.commit()
        return transfer


def _message(settings: ArchivesSettings, transfer: Transfer, now: datetime) -> Message:
    def agency(configured: ConfiguredAgency) -> Agency:
        return Agency(configured.identifier, configured.name)

    # The journal is ged's own record, produced by the service that runs it.
    default = (
        settings.transferring_agency if transfer.kind == "journal" else settings.originating_agency
    )
    return Message(
        identifier=transfer.message_identifier,
        date=now,
        archival_agency=agency(settings.archival_agency),
        transferring_agency=agency(settings.transferring_agency),
        archival_agreement=transfer.archival_agreement,
        comment=transfer.comment or transfer.title,
        originating_agency=agency(default) if default.identifier else None,
    )


def _in_words(exc: Exception) -> str:
    if isinstance(exc, BlobNotFound):
        return f"a file of the transfer is missing from the blob store ({exc}): run ged fsck"
    if isinstance(exc, OSError):
        return f"the package could not be written: {exc}"
    return str(exc)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as package:
        while chunk := package.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()
