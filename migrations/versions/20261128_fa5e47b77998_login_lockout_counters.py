"""login lockout counters

Revision ID: fa5e47b77998
Revises: c5533b542a20
Create Date: 2026-11-28 01:48:15.054179
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "fa5e47b77998"
down_revision: str | None = "c5533b542a20"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("failed_logins", sa.Integer(), server_default="0", nullable=False)
        )
        batch_op.add_column(sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("locked_until")
        batch_op.drop_column("failed_logins")
