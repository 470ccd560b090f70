"""Fixtures shared by the whole suite.

Real services only: OpenSearch, Redis, PostgreSQL, a time-stamping authority
(RFC 3161, with a test CA) and an OpenID provider (Keycloak, for the tests that ask for
it) are started once per run by scripts/services.py (the same script the README uses). Each test gets its
own blob directory, SQLite file, OpenSearch index prefix and RQ queue name;
each xdist worker gets its own PostgreSQL database and Redis database.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
import pytest
import redis
from argon2 import PasswordHasher
from opensearchpy import OpenSearch
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from ged import passwords
from ged.config import DatabaseSettings, Settings, load_settings
from ged.db import make_engine
from search.client import make_client
from tests import s3, services, storage_backends
from tests.apiclient import Api, serve
from tests.migrated import migrate
from tests.oidc.provider import Keycloak

#: fixtures that reach a test service, directly or through a parameter chosen at run time
#: (getfixturevalue does not show in a test's fixture closure)
_SERVICE_FIXTURES = frozenset(
    {
        "service_urls",
        "database_url",
        "empty_database_url",
        "api",
        "oidc_provider",
        "s3_urls",
        "storage_section",
        "opensearch_cluster_urls",
    }
)


def pytest_configure(config: pytest.Config) -> None:
    # argon2's recommended cost (64 MiB, a sixth of a second here) protects stored passwords
    # and only slows the suite, which hashes thousands of them: tests hash cheaply. A hash
    # carries its parameters, so the `ged` processes the tests start verify these as fast.
    passwords._hasher = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test that needs OpenSearch, Redis or PostgreSQL, so that
    ``pytest -m "not services"`` runs the pure tests alone, in seconds, with no server."""
    for item in items:
        if _SERVICE_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.services)


def worker_id(request: pytest.FixtureRequest) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


def worker_number(request: pytest.FixtureRequest) -> int:
    name = worker_id(request)
    return int(name[2:]) if name.startswith("gw") else 0


@pytest.fixture(scope="session")
def service_urls() -> dict[str, str]:
    return services.ensure("opensearch", "redis", "postgres", "tsa")


@pytest.fixture(scope="session")
def oidc_provider() -> Keycloak:
    """The test OpenID provider: Keycloak with the realm of tests/oidc/realm.json. Its own
    fixture, so that a run without single sign-on tests does not wait for it (scripts/test.sh
    starts it beside the others)."""
    return Keycloak.from_urls(services.ensure("keycloak"))


@pytest.fixture(scope="session")
def s3_urls() -> dict[str, str]:
    """The test S3 server: its own fixture, so that runs without S3 tests do not start it."""
    return services.ensure("s3proxy")


@pytest.fixture(scope="session")
def opensearch_cluster_urls() -> list[str]:
    """The URLs of the test OpenSearch cluster's three nodes, node 1 first (see
    scripts/services.py): its own fixture, so that runs without cluster tests do not start it."""
    return services.ensure_opensearch_cluster()


@pytest.fixture(scope="session")
def s3_bucket(s3_urls: dict[str, str], request: pytest.FixtureRequest) -> Iterator[str]:
    yield from s3.run_bucket(s3_urls, worker_id(request))


@pytest.fixture(params=["local", "s3"])
def storage_section(request: pytest.FixtureRequest) -> dict:
    """The [storage] overrides of each backend: none for the local directory, an S3
    bucket (this test's own prefix in the run's bucket) for S3."""
    if request.param == "local":
        return {}
    return s3.storage_section(
        request.getfixturevalue("s3_urls"), request.getfixturevalue("s3_bucket")
    )


@pytest.fixture
def backend(storage_section: dict, tmp_path: Path) -> storage_backends.Backend:
    """A blob store of each backend, empty, with a view of it from outside."""
    return storage_backends.make_backend(storage_section, tmp_path)


@pytest.fixture(scope="session")
def redis_url(service_urls: dict[str, str], request: pytest.FixtureRequest) -> str:
    # Database 0 is left alone; each xdist worker gets its own of the 15 others.
    # TEST_SLOT (0-4) moves a whole run to other databases, so that runs from several
    # work trees can share the test Redis.
    slot = int(os.environ.get("TEST_SLOT", "0"))
    database = 1 + (worker_number(request) + 3 * slot) % 15
    return urlsplit(service_urls["redis_url"])._replace(path=f"/{database}").geturl()


@pytest.fixture(scope="session")
def postgres_admin_url(service_urls: dict[str, str]) -> str:
    return service_urls["database_url"]


@pytest.fixture(scope="session")
def create_postgres_database(
    postgres_admin_url: str, request: pytest.FixtureRequest
) -> Iterator[Callable[..., str]]:
    """Return a function that creates a database, empty or copied from a template;
    every database it created is dropped at the end of the run."""
    created: list[str] = []
    admin = make_url(postgres_admin_url)
    conninfo = admin.set(drivername="postgresql").render_as_string(hide_password=False)

    def create(label: str, template: str | None = None) -> str:
        name = f"ged_test_{worker_id(request)}_{label}_{uuid.uuid4().hex[:8]}".lower()
        copy = f' TEMPLATE "{template}"' if template else ""
        with psycopg.connect(conninfo, autocommit=True) as connection:
            connection.execute(f'CREATE DATABASE "{name}"{copy}')
        created.append(name)
        return admin.set(database=name).render_as_string(hide_password=False)

    yield create
    with psycopg.connect(conninfo, autocommit=True) as connection:
        for name in reversed(created):
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def migrated_postgres_template(create_postgres_database: Callable[..., str]) -> str:
    """Name of a migrated database to copy: CREATE DATABASE … TEMPLATE is faster than migrating."""
    url = create_postgres_database("template")
    migrate(url)
    return make_url(url).database


@pytest.fixture
def fresh_postgres_url(
    create_postgres_database: Callable[..., str], migrated_postgres_template: str
) -> str:
    """A migrated PostgreSQL database of this test's own, for tests whose app commits."""
    return create_postgres_database("app", template=migrated_postgres_template)


@pytest.fixture
def make_settings(
    tmp_path: Path, service_urls: dict[str, str], redis_url: str
) -> Iterator[Callable[..., Settings]]:
    """Settings for one test: its own data, index prefix and queue; overrides by section.
    The indices of every prefix handed out are deleted after the test: the one shared
    OpenSearch would otherwise hold a thousand of them by the end of a run, and refuse
    requests once their mappings fill its heap (HTTP 429, circuit breaker)."""
    built: list[Settings] = []

    def build(**sections: dict) -> Settings:
        built.append(isolated_settings(tmp_path, service_urls, redis_url, **sections))
        return built[-1]

    yield build
    if built:
        # The real test OpenSearch, not the settings' URLs: a test may point those at a
        # closed port or a cut relay.
        client = make_client([service_urls["opensearch_url"]])
        for settings in built:
            prefix = settings.opensearch.index_prefix
            client.indices.delete(index=f"{prefix}-*", ignore_unavailable=True)
        client.close()


def isolated_settings(
    directory: Path, service_urls: dict[str, str], redis_url: str, **sections: dict
) -> Settings:
    """Settings with their own data under ``directory``, index prefix and queue;
    overrides by section."""
    unique = uuid.uuid4().hex[:10]
    environ = {
        "GED_DATABASE__URL": f"sqlite:///{directory / 'ged.sqlite3'}",
        "GED_STORAGE__PATH": str(directory / "blobs"),
        "GED_WEB__SECRET_KEY_FILE": str(directory / "secret_key"),
        "GED_AUDIT__KEY_FILE": str(directory / "audit-signing.key"),
        "GED_ARCHIVES__PACKAGES_DIR": str(directory / "transfers"),
        "GED_OPENSEARCH__URLS": f'["{service_urls["opensearch_url"]}"]',
        "GED_OPENSEARCH__INDEX_PREFIX": f"ged-test-{unique}",
        "GED_REDIS__URL": redis_url,
        "GED_REDIS__QUEUE": f"ged-test-{unique}",
    }
    for section, values in sections.items():
        for key, value in values.items():
            environ[f"GED_{section.upper()}__{key.upper()}"] = str(value)
    return load_settings(None, environ=environ)


@pytest.fixture(scope="module")
def live_settings(tmp_path_factory, service_urls, redis_url) -> Iterator[Settings]:
    """Like ``settings``, but for every test of a module: they share one live server."""
    settings = isolated_settings(tmp_path_factory.mktemp("ged-live"), service_urls, redis_url)
    yield settings
    client = make_client(settings.opensearch.urls)
    client.indices.delete(index=f"{settings.opensearch.index_prefix}-*", ignore_unavailable=True)
    client.close()


@pytest.fixture
def settings(make_settings: Callable[..., Settings]) -> Settings:
    return make_settings()


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty database of each supported kind, for tests of the database layer."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    else:
        yield request.getfixturevalue("create_postgres_database")("empty")


@pytest.fixture(scope="session")
def migrated_postgres_url(create_postgres_database: Callable[..., str]) -> str:
    """One migrated PostgreSQL database per xdist worker, shared by its tests through savepoints."""
    url = create_postgres_database("main")
    migrate(url)
    return url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated database of each supported kind (SQLite: a fresh file per test)."""
    if request.param == "postgresql":
        return request.getfixturevalue("migrated_postgres_url")
    url = f"sqlite:///{tmp_path / 'ged.sqlite3'}"
    migrate(url)
    return url


@pytest.fixture
def db_session(database_url: str) -> Iterator[Session]:
    """A session whose every commit lands in a savepoint of one outer transaction that the
    test's end rolls back, so tests sharing the PostgreSQL database never see each other."""
    engine = make_engine(DatabaseSettings(url=database_url))
    connection = engine.connect()
    outer = connection.begin()
    session = Session(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()
        engine.dispose()


@pytest.fixture
def redis_client(redis_url: str) -> Iterator[redis.Redis]:
    """This worker's own Redis database, emptied before and after the test."""
    client = redis.Redis.from_url(redis_url)
    client.flushdb()
    yield client
    client.flushdb()
    client.close()


@pytest.fixture
def opensearch_client(settings: Settings) -> Iterator[OpenSearch]:
    """A client for the test OpenSearch; the test's indices (its own prefix) are deleted after."""
    client = make_client(settings.opensearch.urls)
    yield client
    client.indices.delete(index=f"{settings.opensearch.index_prefix}-*", ignore_unavailable=True)
    client.close()


@pytest.fixture
def sqlite_api(settings) -> Iterator[Api]:
    migrate(settings.database.url)
    yield from serve(settings)


@pytest.fixture(params=["sqlite", "postgresql"])
def api(request, make_settings) -> Iterator[Api]:
    """The app on each supported database."""
    if request.param == "sqlite":
        yield request.getfixturevalue("sqlite_api")
    else:
        url = request.getfixturevalue("fresh_postgres_url")
        yield from serve(make_settings(database={"url": url}))


@pytest.fixture(autouse=True)
def _no_ambient_configuration(monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's GED_* variables must not leak into tests."""
    for name in list(os.environ):
        if name.startswith("GED_"):
            monkeypatch.delenv(name)
