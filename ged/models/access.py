"""ACL grants: read < write < manage, to a user or a group, on a unit or a document."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ged.db import Base
from ged.models.base import one_of, timestamp, utcnow
from ged.models.documents import Document, Unit
from ged.models.users import Group, User

PERMISSIONS = ("read", "write", "manage")


class Grant(Base):
    """One grant. Exactly one of user_id/group_id and one of unit_id/document_id is set."""

    __tablename__ = "grants"
    __table_args__ = (
        one_of("permission", PERMISSIONS, "known_permission"),
        CheckConstraint("(user_id IS NULL) <> (group_id IS NULL)", name="one_principal"),
        CheckConstraint("(unit_id IS NULL) <> (document_id IS NULL)", name="one_object"),
        Index("ix_grants_document", "document_id"),
        Index("ix_grants_unit", "unit_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    permission: Mapped[str] = mapped_column(String(10))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id", ondelete="CASCADE"))
    document_id: Mapped[int | None] = mapped_column(ForeignKey("documents.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = timestamp(default=utcnow)

    user: Mapped[User | None] = relationship()
    group: Mapped[Group | None] = relationship()
    unit: Mapped[Unit | None] = relationship()
    document: Mapped[Document | None] = relationship()
