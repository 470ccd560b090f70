"""Migrated databases for tests, fast.

Running the migrations takes a third of a second on this machine and the suite makes a
fresh SQLite file for hundreds of tests; copying a file migrated once per process takes a
millisecond. tests/ged/test_migrations.py runs the migrations themselves.
"""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from pathlib import Path

from sqlalchemy.engine import make_url

from ged.migrate import upgrade


def migrate(database_url: str) -> None:
    """Bring the database at ``database_url`` to the latest revision: a SQLite file not yet
    created becomes a copy of the migrated template, anything else is migrated."""
    url = make_url(database_url)
    path = Path(url.database) if url.get_backend_name() == "sqlite" and url.database else None
    if path is None or path.exists():
        upgrade(database_url)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_template(), path)


@functools.cache
def _template() -> Path:
    directory = tempfile.mkdtemp(prefix="ged-migrated-")
    atexit.register(shutil.rmtree, directory, ignore_errors=True)
    path = Path(directory) / "template.sqlite3"
    upgrade(f"sqlite:///{path}")
    return path
