"""Where a document stands with the archives, as SQL on ``Document``: on an open transfer
(its package is being built or waits for the reply), transferred (the archives accepted
it), or refused last time (and why). The queues and the disposal checks share these, so
that "may be transferred" and "may be destroyed after its transfer" are decided once."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, exists, select
from sqlalchemy.orm import Session

from ged.models import Document, Transfer, TransferItem

#: a transfer whose documents are spoken for: not proposed for another one
OPEN_TRANSFER_STATUSES = ("building", "ready")


def on_open_transfer() -> ColumnElement[bool]:
    """SQL on Document: it is in a package being built, or sent and waiting for the reply."""
    return exists().where(
        TransferItem.document_id == Document.id,
        Transfer.id == TransferItem.transfer_id,
        Transfer.status.in_(OPEN_TRANSFER_STATUSES),
    )


def transferred() -> ColumnElement[bool]:
    """SQL on Document: the archives accepted it (they hold it now)."""
    return exists().where(
        TransferItem.document_id == Document.id, TransferItem.outcome == "transferred"
    )


def last_rejection():
    """SQL on Document: why the archives refused it the last time they did, or NULL."""
    return (
        select(TransferItem.reason)
        .where(TransferItem.document_id == Document.id, TransferItem.outcome == "rejected")
        .order_by(TransferItem.done_at.desc(), TransferItem.transfer_id.desc())
        .limit(1)
        .scalar_subquery()
    )


def archival_identifier():
    """SQL on Document: the archives' identifier for it once transferred, or NULL."""
    return (
        select(TransferItem.archival_identifier)
        .where(TransferItem.document_id == Document.id, TransferItem.outcome == "transferred")
        .order_by(TransferItem.transfer_id.desc())
        .limit(1)
        .scalar_subquery()
    )


def accepted_transfers(
    session: Session, document_ids: Sequence[int]
) -> dict[int, tuple[Transfer, TransferItem]]:
    """For each of the documents the archives accepted: the transfer and its item."""
    if not document_ids:
        return {}
    rows = session.execute(
        select(Transfer, TransferItem)
        .join(TransferItem, TransferItem.transfer_id == Transfer.id)
        .where(TransferItem.document_id.in_(document_ids), TransferItem.outcome == "transferred")
        .order_by(Transfer.id)
    )
    return {item.document_id: (transfer, item) for transfer, item in rows}
