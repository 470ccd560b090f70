"""audit streams: the access log and the lifecycle journal

The audit trail becomes two hash chains in one table (ged.audit.streams): each
event has a ``stream`` and a ``seq`` within it, and ``id`` orders both streams as
they were recorded; each checkpoint names the stream it seals.

Every event recorded so far becomes the lifecycle journal as it is: its seq, hash
and prev_hash are untouched (rewriting hashes of the past would destroy the very
tamper-evidence they give), ``id`` takes the value of its seq, and the lifecycle
journal keeps the hash and signature format of that one chain, so it verifies as
before; every checkpoint so far seals it. The access log starts empty, at seq 1.
Writing ``id`` is the one UPDATE the append-only trigger is ever bypassed for: it
changes no hashed field, in this migration's own transaction.

On PostgreSQL the append-only trigger now lets the purge (``SET LOCAL
ged.audit.purge = 'on'``) delete access-log events only: the lifecycle journal is
never purged.

Revision ID: 1398d761c1b5
Revises: bcc2fe651427
Create Date: 2026-12-02 09:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "1398d761c1b5"
down_revision: str | None = "bcc2fe651427"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SEQ = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_KNOWN_STREAM = "stream IN ('lifecycle', 'access')"

APPEND_ONLY_FUNCTION = """
CREATE OR REPLACE FUNCTION ged_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'audit_events' AND TG_OP = 'DELETE' THEN
        IF OLD.stream = 'access' AND current_setting('ged.audit.purge', true) = 'on' THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING HINT = 'old access-log events are removed only by ged audit purge; '
                     'the lifecycle journal is never purged';
END
$$
"""

ONE_CHAIN_FUNCTION = """
CREATE OR REPLACE FUNCTION ged_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'audit_events' AND TG_OP = 'DELETE'
       AND current_setting('ged.audit.purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING HINT = 'old audit events are removed only by ged audit purge';
END
$$
"""


def _postgresql() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _past_the_trigger(statement: str) -> None:
    if _postgresql():
        op.execute("ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only")
    op.execute(statement)
    if _postgresql():
        op.execute("ALTER TABLE audit_events ENABLE TRIGGER audit_events_append_only")


def upgrade() -> None:
    # Adding a column with a default fires no row trigger (nor rewrites hashed fields).
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("id", _SEQ, nullable=True))
        batch_op.add_column(
            sa.Column("stream", sa.String(length=10), server_default="lifecycle", nullable=False)
        )
    _past_the_trigger("UPDATE audit_events SET id = seq")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.alter_column("stream", server_default=None)
        batch_op.drop_constraint("pk_audit_events", type_="primary")
        batch_op.alter_column("id", existing_type=_SEQ, nullable=False)
        batch_op.create_primary_key("pk_audit_events", ["id"])
        batch_op.create_unique_constraint("uq_audit_events_stream_seq", ["stream", "seq"])
        batch_op.create_check_constraint(op.f("ck_audit_events_known_stream"), _KNOWN_STREAM)

    with op.batch_alter_table("audit_checkpoints", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("stream", sa.String(length=10), server_default="lifecycle", nullable=False)
        )
    with op.batch_alter_table("audit_checkpoints", schema=None) as batch_op:
        batch_op.alter_column("stream", server_default=None)
        batch_op.create_check_constraint(op.f("ck_audit_checkpoints_known_stream"), _KNOWN_STREAM)

    if _postgresql():
        op.execute(APPEND_ONLY_FUNCTION)


def downgrade() -> None:
    # One chain cannot hold two: going back is possible only while the access log is empty.
    bind = op.get_bind()
    for table in ("audit_events", "audit_checkpoints"):
        if bind.scalar(sa.text(f"SELECT count(*) FROM {table} WHERE stream <> 'lifecycle'")):
            raise RuntimeError(
                f"{table} holds access-log rows: a single audit chain cannot hold them, "
                "so this migration cannot be undone"
            )
    if _postgresql():
        op.execute(ONE_CHAIN_FUNCTION)
    with op.batch_alter_table("audit_checkpoints", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_checkpoints_known_stream"), type_="check")
        batch_op.drop_column("stream")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(op.f("ck_audit_events_known_stream"), type_="check")
        batch_op.drop_constraint("uq_audit_events_stream_seq", type_="unique")
        batch_op.drop_constraint("pk_audit_events", type_="primary")
        batch_op.create_primary_key("pk_audit_events", ["seq"])
        batch_op.drop_column("stream")
        batch_op.drop_column("id")
