"""default retention rules; PostgreSQL trigger refusing to destroy held documents

Revision ID: 5a8ffd29d413
Revises: 122a61adf623
Create Date: 2026-12-01 23:58:00.000000

The rules shipped for the default document types follow the examples of the usual
tableaux de gestion; each is an ordinary rule (version 1, created by nobody) that an
archivist edits or removes. The trigger is the last line behind the services' checks: on
PostgreSQL no statement, whoever sends it, deletes a document or a version, or moves a
document out of 'active', while a legal hold in force covers it.
"""

from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "5a8ffd29d413"
down_revision: str | None = "122a61adf623"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (type code, years, start event, event name, final action, reference)
DEFAULT_RULES = [
    ("facture", 10, "document_date", None, "destroy", "Pièces comptables : 10 ans, élimination"),
    (
        "bon_de_commande",
        10,
        "document_date",
        None,
        "destroy",
        "Pièces comptables : 10 ans, élimination",
    ),
    (
        "contrat",
        5,
        "event",
        "contract_ended",
        "sort",
        "Contrats et marchés : 5 ans après leur fin, tri",
    ),
    ("etat_civil", 0, "document_date", None, "keep", "État civil : conservation définitive"),
    ("urbanisme", 0, "document_date", None, "keep", "Urbanisme : conservation définitive"),
]

_rules = sa.table(
    "retention_rules",
    sa.column("document_type_id", sa.Integer),
    sa.column("unit_id", sa.Integer),
    sa.column("version", sa.Integer),
    sa.column("duration_years", sa.Integer),
    sa.column("duration_months", sa.Integer),
    sa.column("start_event", sa.String),
    sa.column("event_name", sa.String),
    sa.column("final_action", sa.String),
    sa.column("reference", sa.String),
    sa.column("created_at", sa.DateTime(timezone=True)),
)
_types = sa.table("document_types", sa.column("id", sa.Integer), sa.column("code", sa.String))

HOLD_IN_FORCE = """
    SELECT h.id, h.reason FROM legal_holds h
    JOIN legal_hold_documents hd ON hd.hold_id = h.id
    WHERE hd.document_id = held_id AND h.released_at IS NULL
      AND (h.ends_on IS NULL OR h.ends_on >= (now() AT TIME ZONE 'UTC')::date)
    ORDER BY h.id LIMIT 1
"""

TRIGGER_FUNCTION = f"""
CREATE FUNCTION ged_refuse_held_document() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    held_id integer;
    hold record;
BEGIN
    IF TG_TABLE_NAME = 'versions' THEN
        held_id := OLD.document_id;
    ELSE
        held_id := OLD.id;
    END IF;
    {HOLD_IN_FORCE.strip()} INTO hold;
    IF FOUND THEN
        RAISE EXCEPTION 'document % is under legal hold % (%); the hold must be released first',
            held_id, hold.id, hold.reason
            USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF TG_OP = 'DELETE' THEN
        RETURN OLD;
    END IF;
    RETURN NEW;
END
$$
"""

TRIGGERS = {
    "documents_held_delete": "BEFORE DELETE ON documents FOR EACH ROW",
    "versions_held_delete": "BEFORE DELETE ON versions FOR EACH ROW",
    # deleted, or any later state (destroyed): out of 'active' in any way
    "documents_held_status": "BEFORE UPDATE OF status ON documents FOR EACH ROW "
    "WHEN (OLD.status IS DISTINCT FROM NEW.status AND NEW.status <> 'active')",
}
_TABLE_OF = {"documents_held_delete": "documents", "versions_held_delete": "versions"}


def upgrade() -> None:
    bind = op.get_bind()
    ids = dict(bind.execute(sa.select(_types.c.code, _types.c.id)).all())
    now = datetime.now(UTC)
    rows = [
        {
            "document_type_id": ids[code],
            "unit_id": None,
            "version": 1,
            "duration_years": years,
            "duration_months": 0,
            "start_event": start,
            "event_name": event,
            "final_action": action,
            "reference": reference,
            "created_at": now,
        }
        for code, years, start, event, action, reference in DEFAULT_RULES
        if code in ids
    ]
    if rows:
        op.bulk_insert(_rules, rows)
    if bind.dialect.name == "postgresql":
        op.execute(TRIGGER_FUNCTION)
        for name, when in TRIGGERS.items():
            op.execute(f"CREATE TRIGGER {name} {when} EXECUTE FUNCTION ged_refuse_held_document()")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name in TRIGGERS:
            table = _TABLE_OF.get(name, "documents")
            op.execute(f"DROP TRIGGER IF EXISTS {name} ON {table}")
        op.execute("DROP FUNCTION IF EXISTS ged_refuse_held_document()")
    defaults = (
        sa.select(sa.text("id"))
        .select_from(sa.text("retention_rules"))
        .where(
            sa.text("created_by_id IS NULL AND version = 1 AND unit_id IS NULL"),
            sa.text("reference IN :references").bindparams(
                sa.bindparam("references", [row[5] for row in DEFAULT_RULES], expanding=True)
            ),
        )
    )
    default_ids = list(bind.execute(defaults).scalars())
    if default_ids:
        held = sa.bindparam("ids", default_ids, expanding=True)
        op.execute(
            sa.text(
                "UPDATE documents SET retention_rule_id = NULL, due_date = NULL "
                "WHERE retention_rule_id IN :ids"
            ).bindparams(held)
        )
        op.execute(sa.text("DELETE FROM retention_rules WHERE id IN :ids").bindparams(held))
