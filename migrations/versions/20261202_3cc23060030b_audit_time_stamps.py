"""audit time-stamps: the RFC 3161 token of each checkpoint

One row per checkpoint sealed while [audit] tsa_url is set: pending until the TSA
answers with a token that verifies, then stamped (ged.audit.timestamp). Unlike the
audit tables it is updated in place, so no append-only trigger: a token proves itself
by its signature, and a changed one fails verification.

Revision ID: 3cc23060030b
Revises: 3fc2375bbacc
Create Date: 2026-12-02 02:33:25.813736
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "3cc23060030b"
down_revision: str | None = "3fc2375bbacc"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "audit_timestamps",
        sa.Column("checkpoint_id", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("tsa_url", sa.String(length=500), nullable=False),
        sa.Column("token", sa.LargeBinary(), nullable=True),
        sa.Column("gen_time", sa.DateTime(timezone=True), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.CheckConstraint(
            "status IN ('pending', 'stamped')", name=op.f("ck_audit_timestamps_known_status")
        ),
        sa.ForeignKeyConstraint(
            ["checkpoint_id"],
            ["audit_checkpoints.id"],
            name=op.f("fk_audit_timestamps_checkpoint_id_audit_checkpoints"),
        ),
        sa.PrimaryKeyConstraint("checkpoint_id", name=op.f("pk_audit_timestamps")),
    )
    with op.batch_alter_table("audit_timestamps", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_audit_timestamps_status"), ["status"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("audit_timestamps", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_timestamps_status"))

    op.drop_table("audit_timestamps")
