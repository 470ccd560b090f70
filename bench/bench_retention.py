"""Due dates for 100,000 documents, on SQLite and PostgreSQL, against a plain UPDATE.

Per database, on N documents of one type (a tenth of them in a unit with a rule of its
own, so both scopes of the set-based path run), bulk-inserted with SQLAlchemy core:

1. baseline: one plain UPDATE of the same rows (due_date = document_date: no rule
   lookup, no date arithmetic, no revision), the floor of any set-based recomputation;
2. first computation: ``recompute_due_dates`` over every type, as after an import;
3. a rule edited through the service (``retention.edit_rule``: supersede the row, audit,
   recompute every document of the type), as an archivist's change does;
4. a recomputation with nothing to change (every row already in line);
5. the daily job counting the disposal queues (``refresh_queues``), over the same rows.

Each prints seconds, documents/s and the ratio to the baseline. PostgreSQL is the test
profile's (scripts/services.py ensure --profile test), which trades durability for
speed: absolute numbers are optimistic, ratios are what count.

Usage: .venv/bin/python bench/bench_retention.py [--documents 100000]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from scratch_databases import scratch_databases
from sqlalchemy import insert, select, update

from ged.access import command_line
from ged.bootstrap import Runtime, build
from ged.config import Settings, load_settings
from ged.migrate import upgrade
from ged.models import Document, DocumentType, Unit
from ged.services import retention
from ged.services.disposal_queues import refresh_queues
from ged.services.due_dates import recompute_due_dates
from ged.services.retention import RuleTerms
from ged.services.users import create_unit, create_user

BATCH = 10_000


def settings_for(url: str, work: Path) -> Settings:
    return load_settings(
        None,
        environ={
            "GED_DATABASE__URL": url,
            "GED_STORAGE__PATH": str(work / "blobs"),
            "GED_WEB__SECRET_KEY_FILE": str(work / "secret"),
            "GED_AUDIT__KEY_FILE": str(work / "audit.key"),
        },
    )


def seed(runtime: Runtime, documents: int) -> int:
    """N invoices, a tenth of them in unit Finances with a rule of its own; the type's id."""
    operator = command_line()
    with runtime.unit_of_work() as uow:
        user = create_user(uow, operator, "archives", "archivist", "bench password 2024")
    with runtime.unit_of_work() as uow:
        create_unit(uow, operator, "Finances")
    with runtime.unit_of_work() as uow:
        retention.create_rule(uow, operator, "facture", "Finances", RuleTerms(duration_years=3))
    with runtime.unit_of_work() as uow:
        session = uow.session
        type_id = session.scalars(
            select(DocumentType.id).where(DocumentType.code == "facture")
        ).one()
        unit_id = session.scalars(select(Unit.id).where(Unit.name == "Finances")).one()
        generator = random.Random(15)
        now = datetime.now(UTC)
        for start in range(0, documents, BATCH):
            rows = [
                {
                    "title": f"Facture {number}",
                    "document_type_id": type_id,
                    "unit_id": unit_id if number % 10 == 0 else None,
                    # month ends included: the clamping branch runs too
                    "document_date": date(2010, 1, 31) + timedelta(days=generator.randrange(6000)),
                    "status": "active",
                    "current_version": 0,
                    "inherit_acl": True,
                    "needs_review": False,
                    "extracted": {},
                    "created_by_id": user.id,
                    "created_at": now,
                    "updated_at": now,
                    "revision": 1,
                }
                for number in range(start, min(start + BATCH, documents))
            ]
            session.execute(insert(Document), rows)
        uow.commit()
    return type_id


def timed(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def bench_database(label: str, url: str, work: Path, documents: int) -> None:
    settings = settings_for(url, work)
    upgrade(settings.database.url)
    runtime = build(settings)
    try:
        type_id = seed(runtime, documents)

        def baseline() -> None:
            with runtime.unit_of_work() as uow:
                uow.session.execute(
                    update(Document)
                    .where(Document.document_type_id == type_id)
                    .values(due_date=Document.document_date)
                    .execution_options(synchronize_session=False)
                )
                uow.commit()

        def first() -> None:
            with runtime.unit_of_work() as uow:
                changed = recompute_due_dates(uow.session)
                uow.commit()
            assert changed == documents, changed

        def edit() -> None:
            with runtime.unit_of_work() as uow:
                rule = retention.find_rule(uow, command_line(), "facture")
                assert rule is not None
                retention.edit_rule(uow, command_line(), rule.id, {"duration_months": 6})

        def idle() -> None:
            with runtime.unit_of_work() as uow:
                assert recompute_due_dates(uow.session) == 0
                uow.commit()

        def daily() -> None:
            with runtime.unit_of_work() as uow:
                counts = refresh_queues(uow)
            assert 0 < counts["destroy"].due <= documents, counts

        plain = timed(baseline)
        print(f"\n{label}: {documents} documents")
        print(f"  {'plain UPDATE (baseline)':42} {plain:7.2f} s {documents / plain:10.0f} docs/s")
        for name, action in [
            ("first computation (recompute_due_dates)", first),
            ("rule edited (retention.edit_rule)", edit),
            ("nothing to change (recompute_due_dates)", idle),
            ("daily queue count (refresh_queues)", daily),
        ]:
            seconds = timed(action)
            print(
                f"  {name:42} {seconds:7.2f} s {documents / seconds:10.0f} docs/s"
                f"  x{seconds / plain:.1f} the baseline"
            )
    finally:
        runtime.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    args = parser.parse_args()

    with scratch_databases("retention") as databases:
        for label, url, work in databases:
            bench_database(label, url, work, args.documents)


if __name__ == "__main__":
    main()
