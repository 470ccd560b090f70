"""Renditions: files derived from a version (a searchable PDF/A of a scan), stored in
the content-addressed store beside the original, which they never replace."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from ged.db import Base
from ged.models.base import one_of, timestamp, utcnow

#: "pdfa": PDF/A-2b with the page images and the OCR text layer;
#: "thumbnail": a small image of the first page, for search results
RENDITION_KINDS = ("pdfa", "thumbnail")


class Rendition(Base):
    """One derived file of one version; at most one of each kind."""

    __tablename__ = "renditions"
    __table_args__ = (one_of("kind", RENDITION_KINDS, "known_kind"),)

    version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(10), primary_key=True)
    blob_sha256: Mapped[str] = mapped_column(ForeignKey("blobs.sha256"), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    mime_type: Mapped[str] = mapped_column(String(200))
    #: what made it, with its version (e.g. "tesseract 5.3.0 + pikepdf 9.4"), for the record
    producer: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = timestamp(default=utcnow)
