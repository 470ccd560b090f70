"""The unit of work: one transaction, and what must happen only once it is committed.

Cosmic Python's pattern on a SQLAlchemy 2 session::

    with runtime.unit_of_work() as uow:
        version = create_document(uow, principal, upload, metadata)
        # create_document called uow.enqueue_pipeline(...) and uow.commit()

Leaving the block without ``commit()`` rolls back. Effects (queueing pipeline jobs,
refreshing the search index, sending webhooks) are registered by services and run after
a successful commit, never before and never after a rollback: a job must not run on rows
that were never committed. An effect that fails after the commit is logged and dropped:
the work it stood for is in the database (a version still pending, a document whose
index entry is older than its last change, a webhook delivery still pending), where
``ged reconcile`` and the workers' recovery sweep find it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from ged.config import Settings
from ged.ports import Adapters, BlobStore, Clock, JobQueue, SearchIndex

log = logging.getLogger(__name__)

Effect = Callable[[], object]


class UnitOfWork:
    def __init__(self, sessions: sessionmaker[Session] | Session, adapters: Adapters) -> None:
        """``sessions``: a factory (a new session per unit of work, closed at its end), or
        a session the caller owns (tests running inside an outer transaction)."""
        self._owns_session = not isinstance(sessions, Session)
        self.session: Session = sessions() if self._owns_session else sessions  # type: ignore[operator]
        self.adapters = adapters
        self._effects: list[Effect] = []
        #: versions whose pipeline job the last commit queued (an API answer says so)
        self.queued_versions: set[int] = set()

    @property
    def settings(self) -> Settings:
        return self.adapters.settings

    @property
    def blobs(self) -> BlobStore:
        return self.adapters.blobs

    @property
    def jobs(self) -> JobQueue:
        return self.adapters.jobs

    @property
    def index(self) -> SearchIndex:
        return self.adapters.index

    @property
    def clock(self) -> Clock:
        return self.adapters.clock

    def __enter__(self) -> UnitOfWork:
        return self

    def __exit__(
        self,
        _type: type[BaseException] | None,
        _value: BaseException | None,
        _traceback: TracebackType | None,
    ) -> None:
        self.close()

    def after_commit(self, effect: Effect) -> None:
        """Run ``effect`` once the transaction commits; forget it if it rolls back."""
        self._effects.append(effect)

    def enqueue_pipeline(self, version_ids: Iterable[int]) -> None:
        """Queue the pipeline of these versions once they are committed."""
        ids = list(version_ids)
        self.after_commit(lambda: self.queued_versions.update(self.jobs.enqueue_versions(ids)))

    def refresh_index(self, document_ids: Iterable[int]) -> None:
        """Bring these documents' search entries up to date once the change is committed."""
        ids = list(document_ids)
        self.after_commit(lambda: self.jobs.enqueue_index(ids))

    def enqueue_delivery(self, delivery_id: int) -> None:
        """Queue an attempt of this webhook delivery once it is committed."""
        self.after_commit(lambda: self.jobs.enqueue_delivery(delivery_id))

    def commit(self) -> None:
        self.session.commit()
        effects, self._effects = self._effects, []
        for effect in effects:
            try:
                effect()
            except Exception:  # noqa: BLE001 - committed work is recoverable, see the module doc
                log.exception("an effect after commit failed; the work stays recoverable")

    def rollback(self) -> None:
        self._effects.clear()
        self.session.rollback()

    def close(self) -> None:
        """End the unit of work: what was not committed is rolled back, its effects dropped."""
        self._effects.clear()
        if self._owns_session:
            self.session.close()
        else:
            self.session.rollback()
