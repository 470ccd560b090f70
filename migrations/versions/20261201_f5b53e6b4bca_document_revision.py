"""document revision

Revision ID: f5b53e6b4bca
Revises: 490664e675e1
Create Date: 2026-12-01 19:33:53.294945
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "f5b53e6b4bca"
down_revision: str | None = "490664e675e1"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Existing documents start at revision 1, as new ones do.
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("revision", sa.Integer(), server_default="1", nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("revision")
