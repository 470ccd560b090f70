"""Searches a user keeps under a name, alone or shared with one of their groups."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ged.db import Base
from ged.models.base import timestamp, utcnow
from ged.models.users import Group, User


class SavedSearch(Base):
    """A named search: its parameters are run again, as the viewer, each time it is shown,
    so a shared search never shows a member what that member may not read."""

    __tablename__ = "saved_searches"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_saved_searches_owner_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    #: the search's parameters as the search page and GET /api/v1/search take them
    #: (q, document_type, unit, year, tag, mime_type, …)
    parameters: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    #: the group it is shared with; NULL: the owner's own
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL"), index=True
    )
    created_at: Mapped[datetime] = timestamp(default=utcnow)
    updated_at: Mapped[datetime] = timestamp(default=utcnow, onupdate=utcnow)

    owner: Mapped[User] = relationship()
    group: Mapped[Group | None] = relationship()
