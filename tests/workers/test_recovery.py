"""Nothing is lost when a worker dies or OpenSearch is away: the pipeline resumes by itself."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from redis import Redis
from rq import Queue
from rq.scheduler import RQScheduler
from sqlalchemy import func, select

from ged.access import command_line
from ged.audit.chain import record
from ged.audit.timestamp import stamp_rows
from ged.audit.verify import verify_database
from ged.db import make_engine, make_session_factory
from ged.models import LIFECYCLE, Page, Version
from tests.apiclient import serve
from tests.ged.test_audit_timestamps import runtime_of, stamping_settings
from tests.ingest.samples import save_tiff, scan_image
from tests.migrated import migrate
from tests.processes import kill_group, start_worker, wait_until
from tests.relay import relay_to
from workers.queue import RQJobQueue
from workers.recovery import audit_housekeeping, enqueue_due_retries


def version_state(settings, version_id: int = 1) -> tuple[str, str | None, int, bool]:
    engine = make_engine(settings.database)
    with make_session_factory(engine)() as session:
        version = session.get(Version, version_id)
        pages = session.scalar(
            select(func.count()).select_from(Page).where(Page.version_id == version_id)
        )
        state = (version.status, version.step, pages, version.indexed_at is not None)
    engine.dispose()
    return state


def test_worker_killed_during_ocr_is_recovered_with_one_set_of_pages(make_settings, tmp_path):
    settings = make_settings(
        pipeline={"stale_seconds": 4, "recovery_seconds": 1}, ocr={"processes": 1}
    )
    migrate(settings.database.url)
    api = next(serve(settings))
    images = [
        scan_image([f"Page {n} du registre", "Commune de Quimperlé"], dpi=200, font_size=16, seed=n)
        for n in range(6)
    ]
    tiff = save_tiff(tmp_path / "registre.tif", images, dpi=200)
    assert api.upload(tiff.read_bytes(), "registre.tif").status_code == 202

    first = start_worker(settings)
    try:
        wait_until(
            lambda: version_state(settings)[0] == "processing", 60, "the worker to start OCR"
        )
    finally:
        kill_group(first)  # SIGKILL: worker, job process and OCR processes, mid-OCR
    status, step, _, _ = version_state(settings)
    assert (status, step) == ("processing", None), "the kill came too late to test recovery"

    second = start_worker(settings)
    try:
        wait_until(
            lambda: version_state(settings)[0] == "done", 120, "recovery to finish the version"
        )
    finally:
        kill_group(second)
    status, step, pages, indexed = version_state(settings)
    assert (status, step, pages, indexed) == ("done", "index", 6, True)
    api.client.application.extensions["ged"].close()


def test_opensearch_down_during_ingestion_is_indexed_after_it_returns(make_settings, service_urls):
    with relay_to(service_urls["opensearch_url"]) as search:
        settings = make_settings(opensearch={"urls": f'["{search.url}"]'})
        migrate(settings.database.url)
        api = next(serve(settings))
        search.cut()
        upload = api.upload(b"Compte rendu du conseil d'ecole, texte brut.\n", "cr.txt")
        assert upload.status_code == 202

        worker = start_worker(settings)
        try:
            wait_until(
                lambda: version_state(settings)[1] == "metadata", 60, "the steps before indexing"
            )
            status, _, _, indexed = version_state(settings)
            assert (status, indexed) == ("processing", False)
            search.restore()
            wait_until(lambda: version_state(settings)[3], 120, "indexing once OpenSearch is back")
        finally:
            kill_group(worker)
    assert version_state(settings)[0] == "done"
    api.client.application.extensions["ged"].close()


def test_the_workers_sweep_seals_then_stamps(make_settings, tmp_path, service_urls, redis_url):
    settings = stamping_settings(make_settings, tmp_path, service_urls)
    migrate(settings.database.url)
    connection = Redis.from_url(redis_url)
    with runtime_of(settings) as runtime:
        with runtime.unit_of_work() as uow:
            record(
                uow.session,
                command_line(),
                "document.update",
                object_type="document",
                object_id="1",
            )
            uow.commit()
        audit_housekeeping(runtime, connection)
        with runtime.unit_of_work() as uow:
            assert [row["seq"] for row in stamp_rows(uow.session, LIFECYCLE)] == [1]
            assert verify_database(uow.session, settings, required=True).ok
    connection.close()


def test_the_sweep_queues_due_retries_only_when_no_rq_scheduler_holds_the_queue(redis_client):
    # A retry due a minute ago, its scheduler gone (as with a SIGKILLed worker).
    queue = Queue("ged-test-retries", connection=redis_client)
    job = queue.enqueue_at(datetime.now(UTC) - timedelta(minutes=1), "workers.jobs.noop")
    alive = RQScheduler([queue.name], connection=redis_client)
    assert alive.acquire_locks() == {queue.name}

    enqueue_due_retries(RQScheduler([queue.name], connection=redis_client))
    assert queue.job_ids == [], "queued beside a live scheduler: it would run twice"

    alive.release_locks()
    enqueue_due_retries(RQScheduler([queue.name], connection=redis_client))
    assert queue.job_ids == [job.id]
    assert queue.scheduled_job_registry.get_job_ids() == []


def test_a_job_taken_by_a_worker_that_died_before_starting_it_is_not_waiting(settings):
    jobs = RQJobQueue(settings)
    assert jobs.enqueue_versions([7]) == [7]
    assert jobs.waiting([7]) == {7}
    # What a worker does first with a job (RQ moves it to its intermediate list), and
    # then nothing: it was SIGKILLed. RQ still says "queued".
    queue = Queue(settings.redis.queue, connection=Redis.from_url(settings.redis.url))
    job, _ = Queue.dequeue_any([queue], timeout=None, connection=queue.connection)
    assert job.get_status() == "queued"

    assert jobs.waiting([7]) == set(), "the sweep would never queue it again"
    queue.connection.close()
