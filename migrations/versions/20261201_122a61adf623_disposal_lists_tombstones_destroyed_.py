"""disposal lists, tombstones, destroyed status, archives authority

Revision ID: 122a61adf623
Revises: 1398d761c1b5
Create Date: 2026-12-01 23:26:00.354637
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "122a61adf623"
down_revision: str | None = "1398d761c1b5"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


ROLES_BEFORE = ("admin", "archivist", "agent", "auditor", "station")
ROLES_AFTER = (*ROLES_BEFORE, "archives_authority")
STATUSES_BEFORE = ("active", "deleted")
STATUSES_AFTER = (*STATUSES_BEFORE, "destroyed")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN (" + ", ".join(f"'{value}'" for value in values) + ")"


def _replace_check(table: str, name: str, column: str, values: tuple[str, ...]) -> None:
    """SQLite cannot alter a CHECK constraint: batch mode rebuilds the table with the new one."""
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(name), type_="check")
        batch_op.create_check_constraint(batch_op.f(name), _one_of(column, values))


def _replace_checks(checks: list[tuple[str, str, str, tuple[str, ...]]]) -> None:
    """Other tables refer to users and documents, and SQLite refuses to drop a table that
    rows refer to: its foreign keys are off while they are rebuilt (the pragma takes effect
    here because pysqlite runs DDL outside a transaction), then checked and on again."""
    sqlite = op.get_bind().dialect.name == "sqlite"
    if sqlite:
        op.execute("PRAGMA foreign_keys = OFF")
    for check in checks:
        _replace_check(*check)
    if sqlite:
        broken = op.get_bind().exec_driver_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"foreign keys broken by the rebuild: {broken}")
        op.execute("PRAGMA foreign_keys = ON")


def upgrade() -> None:
    op.create_table(
        "disposal_lists",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=200), nullable=False),
        sa.Column("status", sa.String(length=10), nullable=False),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("proposed_by_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_comment", sa.Text(), nullable=True),
        sa.Column("executed_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("certificate_json_sha256", sa.String(length=64), nullable=True),
        sa.Column("certificate_csv_sha256", sa.String(length=64), nullable=True),
        sa.Column("certificate_pdf_sha256", sa.String(length=64), nullable=True),
        sa.CheckConstraint(
            "status IN ('draft', 'submitted', 'approved', 'refused', 'executed')",
            name=op.f("ck_disposal_lists_known_status"),
        ),
        sa.ForeignKeyConstraint(
            ["certificate_csv_sha256"],
            ["blobs.sha256"],
            name=op.f("fk_disposal_lists_certificate_csv_sha256_blobs"),
        ),
        sa.ForeignKeyConstraint(
            ["certificate_json_sha256"],
            ["blobs.sha256"],
            name=op.f("fk_disposal_lists_certificate_json_sha256_blobs"),
        ),
        sa.ForeignKeyConstraint(
            ["certificate_pdf_sha256"],
            ["blobs.sha256"],
            name=op.f("fk_disposal_lists_certificate_pdf_sha256_blobs"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"], ["users.id"], name=op.f("fk_disposal_lists_decided_by_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by_id"], ["users.id"], name=op.f("fk_disposal_lists_proposed_by_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disposal_lists")),
    )
    with op.batch_alter_table("disposal_lists", schema=None) as batch_op:
        batch_op.create_index("ix_disposal_lists_status", ["status"], unique=False)

    op.create_table(
        "disposal_list_documents",
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("queue", sa.String(length=10), nullable=False),
        sa.Column("retention_rule_id", sa.Integer(), nullable=False),
        sa.Column("added_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(length=10), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("done_at", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "outcome IN ('pending', 'destroyed', 'skipped')",
            name=op.f("ck_disposal_list_documents_known_outcome"),
        ),
        sa.CheckConstraint(
            "queue IN ('destroy', 'sort')", name=op.f("ck_disposal_list_documents_known_queue")
        ),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_disposal_list_documents_document_id_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["disposal_lists.id"],
            name=op.f("fk_disposal_list_documents_list_id_disposal_lists"),
        ),
        sa.ForeignKeyConstraint(
            ["retention_rule_id"],
            ["retention_rules.id"],
            name=op.f("fk_disposal_list_documents_retention_rule_id_retention_rules"),
        ),
        sa.PrimaryKeyConstraint("list_id", "document_id", name=op.f("pk_disposal_list_documents")),
    )
    with op.batch_alter_table("disposal_list_documents", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_disposal_list_documents_document_id"), ["document_id"], unique=False
        )

    op.create_table(
        "document_tombstones",
        sa.Column("document_id", sa.Integer(), nullable=False),
        sa.Column("list_id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=500), nullable=False),
        sa.Column("document_type", sa.String(length=64), nullable=True),
        sa.Column("unit", sa.String(length=200), nullable=True),
        sa.Column("document_date", sa.Date(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("due_date", sa.Date(), nullable=True),
        sa.Column("retention_rule_id", sa.Integer(), nullable=False),
        sa.Column("rule_version", sa.Integer(), nullable=False),
        sa.Column("rule_reference", sa.String(length=200), nullable=False),
        sa.Column("final_action", sa.String(length=10), nullable=False),
        sa.Column("proposed_by", sa.String(length=150), nullable=False),
        sa.Column("approved_by", sa.String(length=150), nullable=False),
        sa.Column("versions", sa.JSON(), nullable=False),
        sa.Column("forgotten", sa.JSON(), nullable=False),
        sa.Column("destroyed_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["document_id"],
            ["documents.id"],
            name=op.f("fk_document_tombstones_document_id_documents"),
        ),
        sa.ForeignKeyConstraint(
            ["list_id"],
            ["disposal_lists.id"],
            name=op.f("fk_document_tombstones_list_id_disposal_lists"),
        ),
        sa.ForeignKeyConstraint(
            ["retention_rule_id"],
            ["retention_rules.id"],
            name=op.f("fk_document_tombstones_retention_rule_id_retention_rules"),
        ),
        sa.PrimaryKeyConstraint("document_id", name=op.f("pk_document_tombstones")),
    )
    with op.batch_alter_table("document_tombstones", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_document_tombstones_list_id"), ["list_id"], unique=False
        )

    _replace_checks(
        [
            ("users", "ck_users_known_role", "role", ROLES_AFTER),
            ("documents", "ck_documents_known_status", "status", STATUSES_AFTER),
        ]
    )


def downgrade() -> None:
    _replace_checks(
        [
            ("documents", "ck_documents_known_status", "status", STATUSES_BEFORE),
            ("users", "ck_users_known_role", "role", ROLES_BEFORE),
        ]
    )
    with op.batch_alter_table("document_tombstones", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_document_tombstones_list_id"))

    op.drop_table("document_tombstones")
    with op.batch_alter_table("disposal_list_documents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_disposal_list_documents_document_id"))

    op.drop_table("disposal_list_documents")
    with op.batch_alter_table("disposal_lists", schema=None) as batch_op:
        batch_op.drop_index("ix_disposal_lists_status")

    op.drop_table("disposal_lists")
