"""Where the pages of a version made by a page edit (rotate, reorder, delete, extract,
merge) come from, so that the pipeline copies their text instead of reading them again."""

from __future__ import annotations

from sqlalchemy import CheckConstraint, ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from ged.db import Base

#: a quarter turn clockwise, or two, or three, added to the page as it was (0: as it was)
ROTATIONS = (0, 90, 180, 270)


class PageOrigin(Base):
    """One page of a version made from the pages of other versions (of the same document,
    or of others for an extract or a merge): which page it was, and how it was turned.

    Written with the version, never changed, like the version itself."""

    __tablename__ = "page_origins"
    __table_args__ = (CheckConstraint("rotation IN (0, 90, 180, 270)", name="known_rotation"),)

    #: the version made by the page edit
    version_id: Mapped[int] = mapped_column(
        ForeignKey("versions.id", ondelete="CASCADE"), primary_key=True
    )
    #: 1-based number of the page in that version
    number: Mapped[int] = mapped_column(primary_key=True)
    #: the version the page was taken from; NULL once that version was destroyed (the
    #: page stays, its origin is forgotten with the destroyed document)
    source_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("versions.id", ondelete="SET NULL"), index=True
    )
    #: 1-based number of the page in the source version
    source_number: Mapped[int]
    #: degrees clockwise added to the source page (0, 90, 180 or 270)
    rotation: Mapped[int] = mapped_column(Integer, default=0)
