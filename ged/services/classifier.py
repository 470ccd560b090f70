"""Training the statistical classifier from the types agents confirmed or corrected."""

from __future__ import annotations

from collections import Counter

from sqlalchemy import select
from sqlalchemy.orm import Session

from ged.access import Principal, authorize
from ged.audit.chain import record
from ged.errors import InvalidInput
from ged.models import Document, DocumentType, Page, Version
from ged.uow import UnitOfWork
from ingest.classify import save_model, train_model


def training_samples(session: Session) -> list[tuple[str, str]]:
    """(text, type code) of every active document whose type a person set."""
    rows = session.execute(
        select(Document.id, DocumentType.code, Version.id)
        .join(DocumentType, Document.document_type_id == DocumentType.id)
        .join(
            Version,
            (Version.document_id == Document.id) & (Version.number == Document.current_version),
        )
        .where(Document.status == "active", Document.classification_source == "manual")
        .order_by(Document.id)
    ).all()
    samples = []
    for _document_id, code, version_id in rows:
        texts = session.scalars(
            select(Page.text).where(Page.version_id == version_id).order_by(Page.number)
        )
        text = "\n\n".join(texts)
        if text.strip():
            samples.append((text, code))
    return samples


def train(uow: UnitOfWork, principal: Principal) -> dict[str, int]:
    """Train on the confirmed documents and replace the model (``[classification]
    model_path``, which workers pick up); returns documents per type. Recorded as
    ``cli.classifier.train``."""
    authorize(principal, "classifier.train")
    samples = training_samples(uow.session)
    try:
        model = train_model(samples)
    except ValueError as exc:
        raise InvalidInput(
            f"cannot train yet: {exc} (types are confirmed by agents in the review queue "
            "or by editing a document's type)"
        ) from None
    save_model(model, uow.settings.classification.model_path)
    counts = dict(Counter(code for _text, code in samples))
    record(uow.session, principal, "cli.classifier.train", details={"documents": counts})
    uow.commit()
    return counts
