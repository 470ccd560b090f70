"""What a disposal list holds, as the people who propose and approve it read it.

The visa is given on the list's contents: the archives authority must see each document's
title, type, dates and the rule it is due under, even without a grant on the document
(the certificate lists the same, for everyone who reads the list).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import select

from ged.access import Principal, authorize
from ged.models import DisposalItem, Document, DocumentType, RetentionRule
from ged.uow import UnitOfWork


@dataclass(frozen=True)
class ListedDocument:
    item: DisposalItem
    title: str
    document_type: str | None
    document_date: date | None
    due_date: date | None
    rule: RetentionRule


def list_contents(uow: UnitOfWork, principal: Principal, list_id: int) -> list[ListedDocument]:
    """The documents of a list with what the visa is given on, by document id; unaudited,
    as reading the list is."""
    authorize(principal, "disposal.read")
    rows = uow.session.execute(
        select(DisposalItem, Document, DocumentType.label, RetentionRule)
        .join(Document, Document.id == DisposalItem.document_id)
        .outerjoin(DocumentType, DocumentType.id == Document.document_type_id)
        .join(RetentionRule, RetentionRule.id == DisposalItem.retention_rule_id)
        .where(DisposalItem.list_id == list_id)
        .order_by(DisposalItem.document_id)
    )
    return [
        ListedDocument(item, doc.title, label, doc.document_date, doc.due_date, rule)
        for item, doc, label, rule in rows
    ]
