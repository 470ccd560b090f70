"""The composition root: the one place that builds a process's engine, sessions and adapters.

Web servers, workers, the command line and the watcher all start here, so they share
one way of being wired (one engine per process, one session factory). The adapters
that need Redis and RQ live in ``workers`` and are found through the ``ged.adapters``
entry points that pyproject.toml declares, so that ged depends on its ports and never
imports its entry points (the import contracts in pyproject.toml check it).
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib.metadata import entry_points
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from ged.config import Settings
from ged.db import make_engine, make_session_factory
from ged.errors import ConfigError
from ged.ports import Adapters
from ged.search_index import OpenSearchIndex
from ged.storage import make_blob_store
from ged.timeutil import SystemClock
from ged.uow import UnitOfWork

ADAPTER_GROUP = "ged.adapters"


@dataclass(frozen=True)
class Runtime:
    settings: Settings
    engine: Engine
    sessions: sessionmaker[Session]
    adapters: Adapters

    def unit_of_work(self) -> UnitOfWork:
        return UnitOfWork(self.sessions, self.adapters)

    def close(self) -> None:
        self.adapters.index.close()
        self.adapters.counters.close()
        self.engine.dispose()


def build(settings: Settings) -> Runtime:
    engine = make_engine(settings.database)
    jobs = _adapter("job_queue", settings)
    adapters = Adapters(
        settings=settings,
        blobs=make_blob_store(settings.storage),
        jobs=jobs,
        # The index's write counts live on the queue's server (ged.search_index says why).
        index=OpenSearchIndex(settings.opensearch, jobs.index_writes),
        counters=_adapter("watch_counters", settings),
        clock=SystemClock(),
    )
    return Runtime(settings, engine, make_session_factory(engine), adapters)


def _adapter(name: str, settings: Settings) -> Any:
    found = entry_points(group=ADAPTER_GROUP, name=name)
    if not found:
        raise ConfigError(
            f"no {name!r} adapter is registered (entry point group {ADAPTER_GROUP!r}): "
            "install ged with its workers package (pip install -e . from the source tree)"
        )
    factory = next(iter(found)).load()
    return factory(settings)
