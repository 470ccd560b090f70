"""bulk jobs

Revision ID: 1e9566c35ffb
Revises: e5d5ce5de398
Create Date: 2026-12-01 19:32:27.194586
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1e9566c35ffb"
down_revision: str | None = "e5d5ce5de398"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "bulk_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column("requested_by", sa.String(length=150), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("request", sa.JSON(), nullable=False),
        sa.Column("document_ids", sa.JSON(), nullable=False),
        sa.Column("matched", sa.Integer(), nullable=True),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("processed", sa.Integer(), nullable=False),
        sa.Column("succeeded", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("failed", sa.Integer(), nullable=False),
        sa.Column("errors", sa.JSON(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'running', 'done', 'failed')",
            name=op.f("ck_bulk_jobs_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"], ["users.id"], name=op.f("fk_bulk_jobs_requested_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_bulk_jobs")),
    )
    with op.batch_alter_table("bulk_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_bulk_jobs_requested_by_id"), ["requested_by_id"], unique=False
        )
        batch_op.create_index("ix_bulk_jobs_status", ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("bulk_jobs", schema=None) as batch_op:
        batch_op.drop_index("ix_bulk_jobs_status")
        batch_op.drop_index(batch_op.f("ix_bulk_jobs_requested_by_id"))

    op.drop_table("bulk_jobs")
