"""Notes (avis) agents leave on a document, and the answers to them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ged.db import Base
from ged.models.base import timestamp, utcnow
from ged.models.users import User


class Note(Base):
    """One note on a document; only its author may edit it, anyone who may write answers it."""

    __tablename__ = "notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(
        ForeignKey("documents.id", ondelete="CASCADE"), index=True
    )
    author_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    #: the note this one answers; NULL for a note that opens a thread
    reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("notes.id", ondelete="CASCADE"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = timestamp(default=utcnow)
    #: set when the author changed the body after writing it
    edited_at: Mapped[datetime | None] = timestamp()

    author: Mapped[User] = relationship()
