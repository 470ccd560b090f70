"""The unit of work: effects run only after a commit, and a failed effect loses no work.

Real SQLite, real Redis with RQ, real blob store: the queue looked at is the one the
workers read.
"""

from __future__ import annotations

import io
import logging

import pytest
from rq import Queue
from sqlalchemy import select

from ged.access import Principal, command_line, principal_for
from ged.bootstrap import Runtime, build
from ged.models import Unit, Version
from ged.services.documents import Metadata, Upload, create_document
from ged.services.maintenance import reconcile
from ged.services.users import create_user
from tests.migrated import migrate

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def runtime(settings, redis_client) -> Runtime:
    migrate(settings.database.url)
    built = build(settings)
    yield built
    built.close()


def queued(runtime: Runtime, redis_client) -> list[str]:
    return Queue(runtime.settings.redis.queue, connection=redis_client).get_job_ids()


def archivist(runtime: Runtime) -> Principal:
    with runtime.unit_of_work() as uow:
        user = create_user(uow, command_line(), "archiviste", "archivist", "mot de passe sûr")
        return principal_for(user)


def file_one(runtime: Runtime, content: bytes = PDF) -> Version:
    filer = archivist(runtime)
    with runtime.unit_of_work() as uow:
        return create_document(uow, filer, Upload(io.BytesIO(content), "arrete.pdf"), Metadata())


def test_effects_run_after_the_commit(runtime, redis_client):
    version = file_one(runtime)
    assert queued(runtime, redis_client) == [f"version-{version.id}"]


def test_no_effect_runs_when_the_unit_of_work_rolls_back(runtime, redis_client):
    version = file_one(runtime)
    Queue(runtime.settings.redis.queue, connection=redis_client).empty()
    with pytest.raises(RuntimeError), runtime.unit_of_work() as uow:
        uow.session.add(Unit(name="Jamais créé"))
        uow.enqueue_pipeline([version.id])
        uow.refresh_index([version.document_id])
        raise RuntimeError("the use case failed before its commit")
    assert queued(runtime, redis_client) == []
    with runtime.unit_of_work() as uow:
        assert uow.session.scalar(select(Unit).where(Unit.name == "Jamais créé")) is None


def test_leaving_without_commit_rolls_back_and_drops_the_effects(runtime, redis_client):
    ran = []
    with runtime.unit_of_work() as uow:
        uow.session.add(Unit(name="Oublié"))
        uow.after_commit(lambda: ran.append("effect"))
    with runtime.unit_of_work() as uow:
        assert uow.session.scalar(select(Unit).where(Unit.name == "Oublié")) is None
        uow.commit()  # a later commit must not run what an earlier unit registered
    assert ran == []


def test_an_effect_failing_after_commit_keeps_the_commit_and_the_next_effects(runtime, caplog):
    ran = []
    with runtime.unit_of_work() as uow:
        uow.session.add(Unit(name="Finances"))
        uow.after_commit(lambda: 1 / 0)
        uow.after_commit(lambda: ran.append("second"))
        with caplog.at_level(logging.ERROR, logger="ged.uow"):
            uow.commit()
    assert ran == ["second"]
    assert "an effect after commit failed" in caplog.text
    with runtime.unit_of_work() as uow:
        assert uow.session.scalar(select(Unit).where(Unit.name == "Finances")) is not None


def test_a_version_whose_job_could_not_be_queued_is_recovered(make_settings, redis_client):
    """Redis down at commit time: the document is filed all the same, its version stays
    pending, and reconciling once Redis answers queues it."""
    down = make_settings(redis={"url": "redis://127.0.0.1:1/0"})
    migrate(down.database.url)
    offline = build(down)
    try:
        filer = archivist(offline)
        with offline.unit_of_work() as uow:
            version = create_document(uow, filer, Upload(io.BytesIO(PDF), "scan.pdf"), Metadata())
            assert uow.queued_versions == set()
    finally:
        offline.close()
    up = build(make_settings())  # the same database and blobs (this test's), Redis up
    try:
        with up.unit_of_work() as uow:
            assert uow.session.get(Version, version.id).status == "pending"
            assert reconcile(uow, command_line()).versions == 1
        assert queued(up, redis_client) == [f"version-{version.id}"]
    finally:
        up.close()
