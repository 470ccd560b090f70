"""RQ job entry points: they take ids, open a unit of work on the process's Runtime and
call one ged service; RQ imports them by their dotted names (workers.queue).

A job raising (ServiceUnavailable when OpenSearch is down) is retried by RQ with the
backoff workers.queue gives it; recovery takes over once the retries run out.
"""

from __future__ import annotations

import os

from ged.bootstrap import Runtime, build
from ged.config import Settings, load_settings
from ged.services.batch_split import split_batch as split_into_documents
from ged.services.bulk import run_bulk
from ged.services.destruction import execute_list
from ged.services.index_sync import refresh_document
from ged.services.pipeline import process_version as run_pipeline
from ged.services.transfer_build import build_transfer as build_package

_runtime: Runtime | None = None


def _drop_inherited_connections() -> None:
    """RQ forks a child per job: the child drops the pooled connections it inherited
    (SQLAlchemy's advice for forks, close=False leaves them to the parent) and opens its
    own from the same engine."""
    if _runtime is not None:
        _runtime.engine.dispose(close=False)


# Registered once: a process that starts several runtimes (the tests' worker bursts)
# must not pile up handlers that keep closed runtimes alive.
os.register_at_fork(after_in_child=_drop_inherited_connections)


def start_runtime(settings: Settings) -> Runtime:
    """Build this process's Runtime, once."""
    global _runtime
    _runtime = build(settings)
    return _runtime


def stop_runtime() -> None:
    """Close this process's Runtime; a job run after this builds a new one."""
    global _runtime
    if _runtime is not None:
        _runtime.close()
        _runtime = None


def current_runtime() -> Runtime:
    """The worker's Runtime; a job run outside ``ged worker`` builds one from the environment."""
    return _runtime if _runtime is not None else start_runtime(load_settings())


def process_version(version_id: int) -> None:
    """Run (or resume) the pipeline of one version."""
    run_pipeline(current_runtime(), version_id)


def index_document(document_id: int) -> None:
    """Refresh one document in the search index after a metadata, ACL or status change."""
    with current_runtime().unit_of_work() as uow:
        refresh_document(uow, document_id)


def run_bulk_job(job_id: int) -> None:
    """Run (or resume) one bulk job: a change to many documents, one at a time."""
    run_bulk(current_runtime(), job_id)


def execute_disposal(list_id: int) -> None:
    """Destroy (or go on destroying) the documents of an approved disposal list."""
    execute_list(current_runtime(), list_id)


def build_transfer(transfer_id: int) -> None:
    """Write (or write again, from scratch) the SEDA package of a transfer being built."""
    build_package(current_runtime(), transfer_id)


def split_batch(batch_id: int) -> None:
    """Split (or go on splitting) a scanned batch into documents at its separator sheets."""
    split_into_documents(current_runtime(), batch_id)
