"""What a worker process holds for its jobs: the settings it was started with.

RQ runs each job in a forked child; the child inherits this module's state, and
opens (then disposes) its own database engine, so no connection crosses a fork.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from ged.config import Settings, load_settings
from ged.db import make_engine, make_session_factory

_settings: Settings | None = None


def configure(settings: Settings) -> None:
    global _settings
    _settings = settings


def settings() -> Settings:
    """The worker's settings; a job run outside `ged worker` loads them from the environment."""
    global _settings
    if _settings is None:
        _settings = load_settings()
    return _settings


@contextmanager
def database() -> Iterator[Session]:
    engine = make_engine(settings().database)
    try:
        with make_session_factory(engine)() as session:
            yield session
    finally:
        engine.dispose()
