"""The certificate of an executed disposal list: JSON (signed: the original), CSV and PDF.

Stored as blobs the list refers to (content-addressed, never modified, checked by
``ged fsck``) rather than as ged documents: a certificate must not enter the pipeline,
the search index or a retention schedule of its own. It is made from what the database
holds once every document is done (the tombstones, the outcomes, the visa), dated by the
last document done, and signed by a deterministic key: a run resumed after a crash makes
exactly the same files.
"""

from __future__ import annotations

import csv
import io
from typing import Any, BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ged.access import Principal, authorize
from ged.audit.certificate import FORMAT, signed_certificate
from ged.audit.chain import record
from ged.audit.seal import SigningKeyMissing, load_private_key
from ged.db import dialect_insert
from ged.errors import Conflict, NotFound
from ged.models import Blob, DisposalList, Document, Tombstone, User
from ged.services.certificate_pdf import render_pdf
from ged.services.pipeline_steps import UnitsOfWork
from ged.timeutil import iso
from ged.uow import UnitOfWork

#: format -> (column of DisposalList, MIME type)
FORMATS = {
    "json": ("certificate_json_sha256", "application/json"),
    "csv": ("certificate_csv_sha256", "text/csv; charset=utf-8"),
    "pdf": ("certificate_pdf_sha256", "application/pdf"),
}
CSV_FIELDS = (
    "document_id",
    "outcome",
    "reason",
    "title",
    "document_type",
    "unit",
    "document_date",
    "due_date",
    "rule_id",
    "rule_version",
    "rule_reference",
    "version",
    "sha256",
    "size",
    "destroyed_at",
    "transfer_message_identifier",
    "archival_identifier",
)


def issue_certificate(units: UnitsOfWork, list_id: int) -> DisposalList:
    """Once no document of the list is pending: store its certificate and mark it executed
    (``disposal.execute``). Another run that got there first leaves nothing to do."""
    with units() as uow:
        session = uow.session
        disposal = session.get_one(
            DisposalList, list_id, with_for_update=True, options=[selectinload(DisposalList.items)]
        )
        if disposal.status == "executed":
            return disposal
        if any(item.outcome == "pending" for item in disposal.items):
            raise Conflict(f"disposal list {list_id} still has documents to destroy")
        private_key = load_private_key(uow.settings.audit.key_file)
        if private_key is None:
            raise SigningKeyMissing(uow.settings.audit.key_file)
        certificate = certificate_of(uow, disposal)
        signed = signed_certificate(certificate, private_key)
        files = {"json": signed, "csv": _csv(certificate), "pdf": render_pdf(certificate, signed)}
        for fmt, data in files.items():
            stored = uow.blobs.put(io.BytesIO(data))
            insert = dialect_insert(session, Blob).values(sha256=stored.sha256, size=stored.size)
            session.execute(insert.on_conflict_do_nothing(index_elements=["sha256"]))
            setattr(disposal, FORMATS[fmt][0], stored.sha256)
        disposal.status = "executed"
        disposal.executed_at = _executed_at(disposal)
        totals = certificate["totals"]
        record(
            session,
            None,
            "disposal.execute",
            object_type="disposal_list",
            object_id=list_id,
            details={**totals, "certificate_sha256": disposal.certificate_json_sha256},
        )
        uow.commit()
        return disposal


def _executed_at(disposal: DisposalList):
    done = [item.done_at for item in disposal.items if item.done_at is not None]
    return max(done) if done else disposal.decided_at


def certificate_of(uow: UnitOfWork, disposal: DisposalList) -> dict[str, Any]:
    """What the certificate says, from the database alone."""
    session = uow.session
    tombstones = {
        t.document_id: t
        for t in session.scalars(select(Tombstone).where(Tombstone.list_id == disposal.id))
    }
    rows = session.execute(
        select(Document.id, Document.title).where(
            Document.id.in_([item.document_id for item in disposal.items])
        )
    )
    titles = {document_id: title for document_id, title in rows}
    documents = []
    for item in disposal.items:
        if item.outcome == "destroyed":
            entry = {**tombstones[item.document_id].as_dict(), "outcome": "destroyed"}
        else:
            entry = {
                "document_id": item.document_id,
                "title": titles.get(item.document_id, ""),
                "outcome": "skipped",
                "reason": item.reason,
            }
        documents.append(entry)
    destroyed = sum(1 for entry in documents if entry["outcome"] == "destroyed")
    return {
        "format": FORMAT,
        "organisation": uow.settings.disposal.organisation,
        "list": {
            "id": disposal.id,
            "title": disposal.title,
            "comment": disposal.comment,
            "proposed_by": _person(disposal.proposed_by),
            "proposed_at": iso(disposal.created_at),
            "submitted_at": iso(disposal.submitted_at),
            "approved_by": _person(disposal.decided_by),
            "approved_at": iso(disposal.decided_at),
            "visa_comment": disposal.decision_comment or "",
            "executed_at": iso(_executed_at(disposal)),
        },
        "documents": documents,
        "totals": {"destroyed": destroyed, "skipped": len(documents) - destroyed},
    }


def _person(user: User | None) -> dict[str, str] | None:
    if user is None:
        return None
    return {"username": user.username, "display_name": user.display_name}


def _csv(certificate: dict[str, Any]) -> bytes:
    """One row per destroyed version (its digest), one per document skipped."""
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for entry in certificate["documents"]:
        common = {
            "document_id": entry["document_id"],
            "outcome": entry["outcome"],
            "reason": entry.get("reason") or "",
            "title": entry["title"],
        }
        if entry["outcome"] != "destroyed":
            writer.writerow(common)
            continue
        rule = entry["rule"]
        transfer = entry.get("transfer") or {}
        for version in entry["versions"]:
            writer.writerow(
                {
                    **common,
                    "document_type": entry["document_type"] or "",
                    "unit": entry["unit"] or "",
                    "document_date": entry["document_date"] or "",
                    "due_date": entry["due_date"] or "",
                    "rule_id": rule["id"],
                    "rule_version": rule["version"],
                    "rule_reference": rule["reference"],
                    "version": version["number"],
                    "sha256": version["sha256"],
                    "size": version["size"],
                    "destroyed_at": entry["destroyed_at"],
                    "transfer_message_identifier": transfer.get("message_identifier", ""),
                    "archival_identifier": transfer.get("archival_identifier", ""),
                }
            )
    return out.getvalue().encode("utf-8")


def certificate_file(
    uow: UnitOfWork, principal: Principal, list_id: int, fmt: str
) -> tuple[BinaryIO, str, str]:
    """(stream, file name, MIME type) of an executed list's certificate; audited."""
    authorize(principal, "disposal.read")
    disposal = uow.session.get(DisposalList, list_id)
    if disposal is None:
        raise NotFound(f"disposal list {list_id} does not exist")
    column, mime_type = FORMATS[fmt]
    sha256 = getattr(disposal, column)
    if sha256 is None:
        raise Conflict(
            f"disposal list {list_id} is {disposal.status}: its certificate is made once it "
            "is executed"
        )
    record(
        uow.session,
        principal,
        "disposal.certificate",
        object_type="disposal_list",
        object_id=list_id,
        details={"format": fmt, "sha256": sha256},
    )
    uow.commit()
    return uow.blobs.open(sha256), f"certificat-elimination-{list_id}.{fmt}", mime_type
