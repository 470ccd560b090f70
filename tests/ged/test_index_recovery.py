"""An index refresh lost with Redis is found again: a change committed while Redis was
down leaves the document's index entry stale, and both ``ged reconcile`` (the service)
and the workers' recovery sweep bring it up to date.

Real SQLite, OpenSearch and Redis; the pipeline runs in-process as a worker runs it.
"""

from __future__ import annotations

import io
import time

import pytest
from rq import Queue

from ged.access import Principal, command_line, principal_for
from ged.bootstrap import Runtime, build
from ged.services.acl import GrantSpec, replace_document_acl
from ged.services.documents import Metadata, Upload, create_document, update_metadata
from ged.services.index_sync import refresh_document, stale_entries
from ged.services.maintenance import reconcile
from ged.services.pipeline import process_version
from ged.services.users import create_user
from search.index import alias_name
from tests.migrated import migrate
from workers.recovery import recover_once

TEXT = "Arrêté portant réglementation du stationnement place de la Mairie.".encode()


@pytest.fixture
def runtimes(make_settings, redis_client, opensearch_client):
    """Two processes' runtimes on one database and one index: Redis up, and Redis down."""
    up_settings = make_settings(pipeline={"stale_seconds": 0.5})
    down_settings = make_settings(
        redis={"url": "redis://127.0.0.1:1/0"},
        opensearch={"index_prefix": up_settings.opensearch.index_prefix},
    )
    migrate(up_settings.database.url)
    up, down = build(up_settings), build(down_settings)
    yield up, down
    up.close()
    down.close()


def indexed_document(runtime: Runtime, redis_client) -> tuple[Principal, int]:
    with runtime.unit_of_work() as uow:
        user = create_user(uow, command_line(), "archiviste", "archivist", "mot de passe sûr")
        archivist = principal_for(user)
    with runtime.unit_of_work() as uow:
        version = create_document(
            uow, archivist, Upload(io.BytesIO(TEXT), "arrete.txt"), Metadata()
        )
    process_version(runtime, version.id)  # as the worker would, here and now
    Queue(runtime.settings.redis.queue, connection=redis_client).empty()
    return archivist, version.document_id


def titles_found(runtime: Runtime, opensearch_client, q: str) -> list[str]:
    opensearch_client.indices.refresh(index=alias_name(runtime.settings.opensearch.index_prefix))
    with runtime.unit_of_work() as uow:
        answer = uow.index.search(q=q, acl=None, filters={}, sort="relevance", page=1, size=10)
    return [hit["title"] for hit in answer["hits"]]


def rename_without_redis(down: Runtime, archivist: Principal, document_id: int) -> None:
    with down.unit_of_work() as uow:
        update_metadata(
            uow, archivist, document_id, Metadata(title="Stationnement réglementé"), {"title"}
        )
        assert uow.queued_versions == set()


def test_a_fresh_index_entry_is_not_stale(runtimes, redis_client):
    up, _down = runtimes
    indexed_document(up, redis_client)
    with up.unit_of_work() as uow:
        assert stale_entries(uow) == []


def test_reconcile_refreshes_an_entry_whose_job_was_lost_with_redis(
    runtimes, redis_client, opensearch_client
):
    up, down = runtimes
    archivist, document_id = indexed_document(up, redis_client)
    rename_without_redis(down, archivist, document_id)
    with up.unit_of_work() as uow:
        assert stale_entries(uow) == [document_id]

    with up.unit_of_work() as uow:
        done = reconcile(uow, command_line())
    assert (done.versions, done.index_entries) == (0, 1)
    queue = Queue(up.settings.redis.queue, connection=redis_client)
    assert queue.get_job_ids() == [f"index-{document_id}"]

    with up.unit_of_work() as uow:  # what the queued job does
        refresh_document(uow, document_id)
    assert titles_found(up, opensearch_client, "stationnement") == ["Stationnement réglementé"]
    with up.unit_of_work() as uow:
        assert stale_entries(uow) == []


def test_the_recovery_sweep_refreshes_a_stale_acl_once_the_change_has_settled(
    runtimes, redis_client
):
    up, down = runtimes
    archivist, document_id = indexed_document(up, redis_client)
    with down.unit_of_work() as uow:
        replace_document_acl(
            uow, archivist, document_id, True, [GrantSpec("user:archiviste", "manage")]
        )
    with up.unit_of_work() as uow:
        assert stale_entries(uow) == [document_id]
    queue = Queue(up.settings.redis.queue, connection=redis_client)

    recover_once(up)  # the change is younger than the stale delay: its own job may come
    assert queue.get_job_ids() == []
    time.sleep(0.6)
    recover_once(up)
    assert queue.get_job_ids() == [f"index-{document_id}"]
