"""Executing an approved disposal list: each document destroyed, then the certificate.

One document per transaction: its tombstone, the removal of its versions, pages, notes,
renditions (the PDF/A of a scan) and of the blob rows nothing else refers to, its status "destroyed", its item's outcome and
its ``document.destroy`` event commit together. The blob *files* are deleted only after
that commit, so a crash can leave a file no row refers to (an orphan: the next run
deletes it, from the tombstone's ``forgotten`` digests), never a row without its file.
A run taken up again after a crash (or two runs at once: each document is locked and its
outcome checked under the lock) goes on with the documents still pending and ends in the
same state. Before destroying, each document is checked again: a document on hold, or no
longer due, is skipped and said so in the certificate; nothing outside the list, and no
blob another document still uses, is ever touched. A document whose rule ends in a
transfer is destroyed only once the archives accepted it; its tombstone, its event and the
certificate then name the transfer and the archives' identifier for it.
"""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import delete, exists, or_, select
from sqlalchemy.orm import selectinload

from ged.access import Principal, authorize
from ged.audit.chain import record
from ged.errors import Conflict, NotFound, ServiceUnavailable
from ged.models import (
    DISPOSABLE_QUEUES,
    Blob,
    DisposalItem,
    DisposalList,
    Document,
    Note,
    Page,
    Rendition,
    RetentionRule,
    Tombstone,
    Transfer,
    Version,
)
from ged.services.certificates import issue_certificate
from ged.services.holds import held_document_ids
from ged.services.index_sync import revision
from ged.services.lost_jobs import requeue_lost
from ged.services.pipeline import Runner, stale_after
from ged.services.pipeline_steps import UnitsOfWork
from ged.services.renditions import delete_renditions, renditions_of
from ged.services.revisions import lock_document
from ged.services.transfer_state import accepted_transfers
from ged.timeutil import iso, today
from ged.uow import UnitOfWork

log = logging.getLogger(__name__)


def run_list(runner: Runner, principal: Principal, list_id: int) -> DisposalList:
    """``ged disposal execute``: run (or finish) an approved list now, in this process."""
    authorize(principal, "disposal.execute")
    return execute_list(runner, list_id)


def execute_list(runner: Runner, list_id: int) -> DisposalList:
    """Destroy the pending documents of an approved list, then issue its certificate and
    mark it executed. An executed list is left as it is."""
    units = runner.unit_of_work
    with units() as uow:
        disposal = uow.session.get(
            DisposalList, list_id, options=[selectinload(DisposalList.items)]
        )
        if disposal is None:
            raise NotFound(f"disposal list {list_id} does not exist")
        if disposal.status == "executed":
            return disposal
        if disposal.status != "approved":
            raise Conflict(
                f"disposal list {list_id} is {disposal.status}: only an approved list is executed"
            )
        pending = [item.document_id for item in disposal.items if item.outcome == "pending"]
    for position, document_id in enumerate(pending, 1):
        _delete_files(units, _destroy_one(units, list_id, document_id))
        log.info("disposal list %s: %s/%s", list_id, position, len(pending))
    # Files a crashed run forgot but did not get to delete.
    _delete_files(units, _forgotten_by(units, list_id))
    return issue_certificate(units, list_id)


def _destroy_one(units: UnitsOfWork, list_id: int, document_id: int) -> list[str]:
    """Destroy one listed document (or skip it, saying why); the digests whose blob rows
    this removed, for their files to be deleted once committed."""
    with units() as uow:
        session = uow.session
        document = lock_document(session, document_id)
        item = session.get_one(
            DisposalItem, (list_id, document_id), with_for_update=True, populate_existing=True
        )
        if item.outcome != "pending" or document is None:
            return []  # another run did it
        disposal = session.get_one(DisposalList, list_id)
        reason = _why_kept(uow, document)
        if reason is not None:
            item.outcome, item.reason, item.done_at = "skipped", reason, uow.clock.now()
            record(
                session,
                None,
                "disposal.skip",
                object_type="document",
                object_id=document_id,
                details={"disposal_list": list_id, "reason": reason},
            )
            uow.commit()
            return []
        tombstone = _tombstone(uow, disposal, document, item)
        transfer = _transfer_of(uow, document_id)
        forgotten = _forget_versions(uow, document_id)
        tombstone.forgotten = forgotten
        session.add(tombstone)
        document.status = "destroyed"
        document.extracted = {}
        document.updated_at = uow.clock.now()
        item.outcome, item.done_at = "destroyed", tombstone.destroyed_at
        record(
            session,
            None,
            "document.destroy",
            object_type="document",
            object_id=document_id,
            details={
                "disposal_list": list_id,
                "approved_by": tombstone.approved_by,
                "rule": {"id": item.retention_rule_id, "version": tombstone.rule_version},
                "sha256": sorted({v["sha256"] for v in tombstone.versions}),
                "blobs_deleted": forgotten,
                **({"transfer": transfer} if transfer else {}),
            },
        )
        session.flush()
        _unindex_after_commit(uow, document)
        uow.commit()
        return forgotten


def _why_kept(uow: UnitOfWork, document: Document) -> str | None:
    """Why a listed document must not be destroyed now, if it must not."""
    if held_document_ids(uow.session, [document.id]):
        return "on legal hold: kept until the hold is released"
    rule = uow.session.get(RetentionRule, document.retention_rule_id or 0)
    if rule is None or document.due_date is None or document.due_date > today():
        return "no longer due: its retention rule or dates changed after the list was approved"
    if rule.final_action == "transfer":
        if _transfer_of(uow, document.id) is None:
            return "its rule ends in a transfer, and the archives have not accepted it"
    elif rule.final_action not in DISPOSABLE_QUEUES:
        return f"its rule now ends in {rule.final_action!r}, not in destruction"
    return None


def _transfer_of(uow: UnitOfWork, document_id: int) -> dict | None:
    """The accepted transfer of the document, as its event names it, if there is one."""
    accepted = accepted_transfers(uow.session, [document_id]).get(document_id)
    return accepted[1].mention() if accepted else None


def _tombstone(
    uow: UnitOfWork, disposal: DisposalList, document: Document, item: DisposalItem
) -> Tombstone:
    session = uow.session
    rule = session.get_one(RetentionRule, item.retention_rule_id)
    versions = list(
        session.scalars(
            select(Version).where(Version.document_id == document.id).order_by(Version.number)
        )
    )
    renditions: dict[int, list[Rendition]] = {}
    for rendition in renditions_of(session, [version.id for version in versions]):
        renditions.setdefault(rendition.version_id, []).append(rendition)
    return Tombstone(
        document_id=document.id,
        list_id=disposal.id,
        title=document.title,
        document_type=document.document_type.code if document.document_type else None,
        unit=document.unit.name if document.unit else None,
        document_date=document.document_date,
        created_at=document.created_at,
        due_date=document.due_date,
        retention_rule_id=rule.id,
        rule_version=rule.version,
        rule_reference=rule.reference,
        final_action=rule.final_action,
        proposed_by=disposal.proposed_by.username,
        approved_by=disposal.decided_by.username if disposal.decided_by else "",
        versions=[_version_record(version, renditions.get(version.id, [])) for version in versions],
        forgotten=[],
        destroyed_at=uow.clock.now(),
    )


def _version_record(version: Version, renditions: list[Rendition]) -> dict[str, Any]:
    entry = {
        "number": version.number,
        "sha256": version.blob_sha256,
        "size": version.size,
        "mime_type": version.mime_type,
        "filename": version.filename,
        "created_at": iso(version.created_at),
    }
    if renditions:  # absent rather than empty: older tombstones have no such key
        entry["renditions"] = [
            {"kind": rendition.kind, "sha256": rendition.blob_sha256, "size": rendition.size}
            for rendition in renditions
        ]
    return entry


def _forget_versions(uow: UnitOfWork, document_id: int) -> list[str]:
    """Delete the document's pages, renditions and versions, then the blob rows nothing
    refers to any more (another document's version or rendition, a certificate); the
    digests of those."""
    session = uow.session
    digests = set(
        session.scalars(select(Version.blob_sha256).where(Version.document_id == document_id))
    )
    version_ids = select(Version.id).where(Version.document_id == document_id)
    ids = list(session.scalars(version_ids))
    digests |= {rendition.blob_sha256 for rendition in delete_renditions(session, ids)}
    session.execute(delete(Page).where(Page.version_id.in_(version_ids)))
    session.execute(delete(Version).where(Version.document_id == document_id))
    # The row stays (status destroyed, for its tombstone), so its notes' FK cascade does
    # not fire: they go here, answers with them.
    session.execute(delete(Note).where(Note.document_id == document_id))
    forgotten = sorted(digest for digest in digests if not _referenced(uow, digest))
    if forgotten:
        session.execute(delete(Blob).where(Blob.sha256.in_(forgotten)))
    return forgotten


def _referenced(uow: UnitOfWork, digest: str) -> bool:
    certificate = exists().where(
        or_(
            DisposalList.certificate_json_sha256 == digest,
            DisposalList.certificate_csv_sha256 == digest,
            DisposalList.certificate_pdf_sha256 == digest,
        )
    )
    version = exists().where(Version.blob_sha256 == digest)
    rendition = exists().where(Rendition.blob_sha256 == digest)
    # The archives' reply to a transfer is kept as a blob too (its bytes could be a version's).
    reply = exists().where(Transfer.reply_sha256 == digest)
    return bool(uow.session.scalar(select(or_(version, rendition, certificate, reply))))


def _unindex_after_commit(uow: UnitOfWork, document: Document) -> None:
    entry = (document.id, revision(document))

    def unindex() -> None:
        try:
            uow.index.delete([entry])
        except ServiceUnavailable:
            # The worker's index job retries with backoff; it deletes a destroyed document.
            uow.jobs.enqueue_index([entry[0]])

    uow.after_commit(unindex)


def _forgotten_by(units: UnitsOfWork, list_id: int) -> list[str]:
    with units() as uow:
        lists = uow.session.scalars(select(Tombstone.forgotten).where(Tombstone.list_id == list_id))
        return sorted({digest for forgotten in lists for digest in forgotten})


def _delete_files(units: UnitsOfWork, digests: list[str]) -> None:
    """Delete the files of blobs whose rows are gone (checked again: the same bytes may have
    been uploaded since, and then they are someone's again)."""
    if not digests:
        return
    with units() as uow:
        still = set(uow.session.scalars(select(Blob.sha256).where(Blob.sha256.in_(digests))))
        for digest in digests:
            if digest not in still:
                uow.blobs.delete(digest)


def requeue_approved_lists(uow: UnitOfWork) -> list[int]:
    """Queue again the approved lists not executed whose execution is not waiting or running
    (its worker died, or Redis lost it); younger visas still have their own job on the way."""
    settled = uow.clock.now() - stale_after(uow.settings.pipeline)
    approved = list(
        uow.session.scalars(
            select(DisposalList.id)
            .where(DisposalList.status == "approved", DisposalList.decided_at < settled)
            .order_by(DisposalList.id)
        )
    )
    return requeue_lost(
        uow, approved, uow.jobs.waiting_disposals, uow.jobs.enqueue_disposal, "disposal list(s)"
    )
