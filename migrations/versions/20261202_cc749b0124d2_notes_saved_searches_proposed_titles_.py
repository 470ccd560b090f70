"""notes saved searches proposed titles word boxes thumbnails

Revision ID: cc749b0124d2
Revises: 3af04033810d
Create Date: 2026-12-02 10:45:27.466625

The agents' daily screen (issue 20): notes (avis) on documents and their answers, saved
searches shared with a group, titles ged proposed until an agent confirms them, the OCR
word boxes of a page (to highlight a hit on its image) and the first page's thumbnail as
a new kind of rendition.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "cc749b0124d2"
down_revision: str | None = "3af04033810d"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


KINDS_BEFORE = ("pdfa",)
KINDS_AFTER = (*KINDS_BEFORE, "thumbnail")


def _rendition_kinds(kinds: tuple[str, ...]) -> None:
    """SQLite cannot alter a CHECK constraint: batch mode rebuilds the table with the new
    one (no table refers to renditions)."""
    with op.batch_alter_table("renditions", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_renditions_known_kind"), type_="check")
        batch_op.create_check_constraint(
            batch_op.f("ck_renditions_known_kind"),
            "kind IN (" + ", ".join(f"'{kind}'" for kind in kinds) + ")",
        )


def upgrade() -> None:
    op.create_table(
        "saved_searches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("parameters", sa.JSON(), nullable=False),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["group_id"],
            ["groups.id"],
            name=op.f("fk_saved_searches_group_id_groups"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_saved_searches_owner_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_searches")),
        sa.UniqueConstraint("owner_id", "name", name="uq_saved_searches_owner_name"),
    )
    with op.batch_alter_table("saved_searches", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_saved_searches_group_id"), ["group_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_saved_searches_owner_id"), ["owner_id"], unique=False)

    op.create_table(
        "notes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("author_id", sa.Integer(), nullable=False),
        sa.Column("reply_to_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["author_id"], ["users.id"], name=op.f("fk_notes_author_id_users")),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_notes_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["reply_to_id"],
            ["notes.id"],
            name=op.f("fk_notes_reply_to_id_notes"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notes")),
    )
    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_notes_document_id"), ["document_id"], unique=False)

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("title_proposed", sa.Boolean(), server_default=sa.false(), nullable=False)
        )

    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("word_boxes", sa.JSON(), nullable=True))

    _rendition_kinds(KINDS_AFTER)


def downgrade() -> None:
    op.execute("DELETE FROM renditions WHERE kind NOT IN ('pdfa')")
    _rendition_kinds(KINDS_BEFORE)
    with op.batch_alter_table("pages", schema=None) as batch_op:
        batch_op.drop_column("word_boxes")

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("title_proposed")

    with op.batch_alter_table("notes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_notes_document_id"))

    op.drop_table("notes")
    with op.batch_alter_table("saved_searches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_searches_owner_id"))
        batch_op.drop_index(batch_op.f("ix_saved_searches_group_id"))

    op.drop_table("saved_searches")
