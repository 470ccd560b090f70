"""retention rules, document events, legal holds

Revision ID: bcc2fe651427
Revises: f5b53e6b4bca
Create Date: 2026-12-01 23:16:05.666610
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "bcc2fe651427"
down_revision: str | None = "f5b53e6b4bca"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "legal_holds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("placed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("placed_by_id", sa.Integer(), nullable=True),
        sa.Column("ends_on", sa.Date(), nullable=True),
        sa.Column("released_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("released_by_id", sa.Integer(), nullable=True),
        sa.Column("release_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["placed_by_id"], ["users.id"], name=op.f("fk_legal_holds_placed_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["released_by_id"], ["users.id"], name=op.f("fk_legal_holds_released_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_legal_holds")),
    )
    op.create_table(
        "retention_rules",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_type_id", sa.Integer(), nullable=False),
        sa.Column("unit_id", sa.Integer(), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("duration_years", sa.Integer(), nullable=False),
        sa.Column("duration_months", sa.Integer(), nullable=False),
        sa.Column("start_event", sa.String(length=20), nullable=False),
        sa.Column("event_name", sa.String(length=64), nullable=True),
        sa.Column("final_action", sa.String(length=10), nullable=False),
        sa.Column("reference", sa.String(length=200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("superseded_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "final_action IN ('keep', 'transfer', 'destroy', 'sort')",
            name=op.f("ck_retention_rules_known_final_action"),
        ),
        sa.CheckConstraint(
            "start_event IN ('document_date', 'created', 'event')",
            name=op.f("ck_retention_rules_known_start_event"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"], ["users.id"], name=op.f("fk_retention_rules_created_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["document_type_id"],
            ["document_types.id"],
            name=op.f("fk_retention_rules_document_type_id_document_types"),
        ),
        sa.ForeignKeyConstraint(
            ["unit_id"], ["units.id"], name=op.f("fk_retention_rules_unit_id_units")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_retention_rules")),
    )
    with op.batch_alter_table("retention_rules", schema=None) as batch_op:
        batch_op.create_index(
            "ix_retention_rules_type_unit", ["document_type_id", "unit_id"], unique=False
        )

    op.create_table(
        "document_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_events_document_id_documents"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"], ["users.id"], name=op.f("fk_document_events_recorded_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document_events")),
        sa.UniqueConstraint("document_id", "name", name="uq_document_events_name"),
    )
    op.create_table(
        "legal_hold_documents",
        sa.Column("hold_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_legal_hold_documents_document_id_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["hold_id"],
            ["legal_holds.id"],
            name=op.f("fk_legal_hold_documents_hold_id_legal_holds"),
        ),
        sa.PrimaryKeyConstraint("hold_id", "document_id", name=op.f("pk_legal_hold_documents")),
    )
    with op.batch_alter_table("legal_hold_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_legal_hold_documents_document_id"), ["document_id"], unique=False
        )

    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("retention_rule_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("due_date", sa.Date(), nullable=True))
        batch_op.create_index(batch_op.f("ix_documents_due_date"), ["due_date"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_documents_retention_rule_id_retention_rules"),
            "retention_rules",
            ["retention_rule_id"],
            ["id"],
        )


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_documents_retention_rule_id_retention_rules"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_documents_due_date"))
        batch_op.drop_column("due_date")
        batch_op.drop_column("retention_rule_id")

    with op.batch_alter_table("legal_hold_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_legal_hold_documents_document_id"))

    op.drop_table("legal_hold_documents")
    op.drop_table("document_events")
    with op.batch_alter_table("retention_rules", schema=None) as batch_op:
        batch_op.drop_index("ix_retention_rules_type_unit")

    op.drop_table("retention_rules")
    op.drop_table("legal_holds")
