"""The two databases a benchmark compares: a scratch SQLite file and a scratch database
on the test profile's PostgreSQL (scripts/services.py), both gone at the end."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def postgres_admin_url() -> str:
    command = [sys.executable, str(ROOT / "scripts" / "services.py"), "ensure"]
    output = subprocess.run(
        [*command, "--profile", "test", "postgres"], capture_output=True, text=True, check=True
    ).stdout
    return json.loads(output)["database_url"]


@contextmanager
def scratch_databases(name: str) -> Iterator[list[tuple[str, str, Path]]]:
    """(label, database URL, work folder) for SQLite then PostgreSQL."""
    admin = make_url(postgres_admin_url())
    database = f"ged_bench_{name}_{uuid.uuid4().hex[:8]}"
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{database}"')
    try:
        with tempfile.TemporaryDirectory(prefix=f"ged-bench-{name}-") as directory:
            work = Path(directory)
            (work / "sqlite").mkdir()
            (work / "postgresql").mkdir()
            yield [
                (
                    "SQLite (WAL, synchronous=NORMAL)",
                    f"sqlite:///{work / 'sqlite' / 'ged.sqlite3'}",
                    work / "sqlite",
                ),
                (
                    "PostgreSQL (test profile)",
                    admin.set(database=database).render_as_string(hide_password=False),
                    work / "postgresql",
                ),
            ]
    finally:
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
