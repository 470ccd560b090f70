"""Uploads hand their version to the RQ queue after commit; if Redis is down nothing is
lost and `ged reconcile` queues what is pending."""

from __future__ import annotations

from redis import Redis
from rq import Queue

from ged.cli import cli
from ged.web import create_app
from tests.apiclient import Api, seed_accounts
from tests.migrated import migrate

PDF = b"%PDF-1.4\n%%EOF\n"


def make_api(settings) -> Api:
    migrate(settings.database.url)
    return Api(create_app(settings).test_client(), seed_accounts(settings), settings)


def queued_job_ids(settings) -> list[str]:
    with Redis.from_url(settings.redis.url) as connection:
        return Queue(settings.redis.queue, connection=connection).get_job_ids()


def environment(settings) -> dict[str, str]:
    return {
        "GED_DATABASE__URL": settings.database.url,
        "GED_STORAGE__PATH": str(settings.storage.path),
        "GED_REDIS__URL": settings.redis.url,
        "GED_REDIS__QUEUE": settings.redis.queue,
    }


def test_upload_queues_its_version_after_commit(settings):
    api = make_api(settings)
    created = api.upload(PDF)
    assert created.json["queued"] is True
    added = api.add_version(created.json["id"], PDF + b"v2")
    assert queued_job_ids(settings) == ["version-1", "version-2"]
    assert added.json["version"] == 2
    api.client.application.extensions["ged"].close()


def test_upload_succeeds_with_redis_down_and_reconcile_queues_it_later(make_settings):
    from click.testing import CliRunner

    down = make_settings(redis={"url": "redis://127.0.0.1:9/0"})
    api = make_api(down)
    created = api.upload(PDF)
    assert created.status_code == 202
    assert created.json["queued"] is False
    assert api.get(f"/api/v1/documents/{created.json['id']}/content").data == PDF
    api.client.application.extensions["ged"].close()

    up = make_settings(database={"url": down.database.url}, redis={"queue": "ged-reconcile"})
    runner = CliRunner()
    env = {**environment(up), "GED_REDIS__QUEUE": "ged-reconcile"}
    failing = runner.invoke(
        cli, ["reconcile"], env={**env, "GED_REDIS__URL": "redis://127.0.0.1:9/0"}
    )
    assert failing.exit_code == 1
    assert "redis is unavailable" in failing.output

    result = runner.invoke(cli, ["reconcile"], env=env)
    assert result.exit_code == 0, result.output
    assert "1 unfinished version(s) queued" in result.output
    with Redis.from_url(up.redis.url) as connection:
        assert Queue("ged-reconcile", connection=connection).get_job_ids() == ["version-1"]
        connection.delete("rq:queue:ged-reconcile")
