"""API token scopes and expiry, over the API (one app for the module): a scanner station's
upload-only token files documents and versions but reads, lists and searches nothing; a
read-only token changes nothing; an expired token is refused, saying when it expired."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from io import BytesIO

import pytest
from sqlalchemy import update

from ged.db import make_engine, make_session_factory
from ged.models import ApiToken
from tests.apiclient import Api, serve
from tests.migrated import migrate

PDF = b"%PDF-1.4\n%%EOF\n"
UPLOAD_ONLY = "may only file documents and add versions"


@pytest.fixture(scope="module")
def sqlite_api(live_settings) -> Iterator[Api]:
    """The module's app: its tests share its accounts, each with tokens of its own."""
    migrate(live_settings.database.url)
    yield from serve(live_settings)


def token(
    api: Api, username: str, scope: str, label: str = "t", **fields
) -> tuple[int, dict[str, str]]:
    """A new token of ``username`` with ``scope``: its id and its Authorization header."""
    created = api.post(
        "/api/v1/admin/tokens",
        "admin",
        json={"username": username, "label": label, "scope": scope, **fields},
    )
    assert created.status_code == 201, created.json
    return created.json["id"], {"Authorization": f"Bearer {created.json['token']}"}


def upload(api: Api, headers: dict[str, str], content: bytes = PDF, **fields):
    data = {"file": (BytesIO(content), "scan.pdf"), **fields}
    return api.client.post(
        "/api/v1/documents", headers=headers, data=data, content_type="multipart/form-data"
    )


@pytest.fixture
def station(sqlite_api: Api) -> dict[str, str]:
    return token(sqlite_api, "station", "upload")[1]


def test_an_upload_token_files_documents_and_versions(sqlite_api: Api, station):
    filed = upload(sqlite_api, station, unit="Urbanisme")
    assert filed.status_code == 202, filed.json
    document_id = filed.json["id"]
    data = {"file": (BytesIO(PDF + b"v2"), "scan-2.pdf")}
    version = sqlite_api.client.post(
        f"/api/v1/documents/{document_id}/versions",
        headers=station,
        data=data,
        content_type="multipart/form-data",
    )
    assert version.status_code == 202, version.json
    assert version.json["version"] == 2
    # still only where its account may file: a document it cannot write is not found
    other = sqlite_api.upload(PDF + b"agent", who="agent").json["id"]
    data = {"file": (BytesIO(PDF + b"v3"), "scan-3.pdf")}
    refused = sqlite_api.client.post(
        f"/api/v1/documents/{other}/versions",
        headers=station,
        data=data,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/documents/{doc}",
        "/api/v1/documents/{doc}/content",
        "/api/v1/documents/{doc}/text",
        "/api/v1/documents/{doc}/versions",
        "/api/v1/documents/{doc}/similar",
        "/api/v1/documents",
        "/api/v1/search?q=scan",
        "/api/v1/sessions",
        "/api/v1/jobs/1",
    ],
)
def test_an_upload_token_reads_lists_and_searches_nothing(sqlite_api: Api, station, path):
    document_id = upload(sqlite_api, station, unit="Urbanisme").json["id"]
    refused = sqlite_api.client.get(path.format(doc=document_id), headers=station)
    assert refused.status_code == 403, refused.json
    assert refused.mimetype == "application/problem+json"
    assert UPLOAD_ONLY in refused.json["detail"]
    # the same account with a full token reads it (through its unit's grant)
    assert sqlite_api.get(f"/api/v1/documents/{document_id}", "station").status_code == 200


def test_an_upload_token_changes_nothing_but_by_filing(sqlite_api: Api, station):
    document_id = upload(sqlite_api, station, unit="Urbanisme").json["id"]
    client = sqlite_api.client
    for response in (
        client.patch(f"/api/v1/documents/{document_id}", headers=station, json={"title": "X"}),
        client.delete(f"/api/v1/documents/{document_id}", headers=station),
        client.post(
            f"/api/v1/documents/{document_id}/versions/1/restore", headers=station, json={}
        ),
    ):
        assert response.status_code == 403, response.json
        assert UPLOAD_ONLY in response.json["detail"]


def test_a_read_token_reads_and_searches_but_changes_nothing(sqlite_api: Api):
    _id, reader = token(sqlite_api, "agent", "read")
    document_id = sqlite_api.upload(PDF, who="agent", unit="Urbanisme").json["id"]
    client = sqlite_api.client
    assert client.get(f"/api/v1/documents/{document_id}", headers=reader).status_code == 200
    listed = client.get("/api/v1/documents?size=100", headers=reader).json["documents"]
    assert document_id in [row["id"] for row in listed]
    assert client.get("/api/v1/search?q=pdf", headers=reader).status_code == 200
    acl = {"inherit": True, "grants": []}
    for response in (
        client.patch(f"/api/v1/documents/{document_id}", headers=reader, json={"title": "X"}),
        client.delete(f"/api/v1/documents/{document_id}", headers=reader),
        client.put(f"/api/v1/documents/{document_id}/acl", headers=reader, json=acl),
        upload(sqlite_api, reader, unit="Urbanisme"),
    ):
        assert response.status_code == 403, response.json
        assert "read-only" in response.json["detail"]
    # an administrator's read token lists accounts but creates none
    _id, admin_reader = token(sqlite_api, "admin", "read")
    assert client.get("/api/v1/admin/users", headers=admin_reader).status_code == 200
    created = client.post(
        "/api/v1/admin/users", headers=admin_reader, json={"username": "x", "role": "station"}
    )
    assert created.status_code == 403
    assert "read-only" in created.json["detail"]


def test_an_expired_token_is_refused_saying_when(sqlite_api: Api):
    later = datetime.now(UTC) + timedelta(days=30)
    token_id, headers = token(sqlite_api, "agent", "full", expires_at=later.isoformat())
    assert sqlite_api.client.get("/api/v1/session", headers=headers).status_code == 200
    engine = make_engine(sqlite_api.settings.database)
    with make_session_factory(engine)() as session:
        expired = datetime(2026, 1, 31, 17, 45, tzinfo=UTC)
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(expires_at=expired))
        session.commit()
    engine.dispose()
    refused = sqlite_api.client.get("/api/v1/session", headers=headers)
    assert refused.status_code == 401
    assert refused.json["detail"].startswith("this API token expired on 2026-01-31 at 17:45 UTC")


def test_token_scope_and_expiry_are_checked_and_listed(sqlite_api: Api):
    past = sqlite_api.post(
        "/api/v1/admin/tokens",
        "admin",
        json={"username": "agent", "label": "t", "expires_at": "2020-01-01T00:00:00Z"},
    )
    assert past.status_code == 422
    assert past.json["field"] == "expires_at"
    assert "must be in the future" in past.json["detail"]
    unknown = sqlite_api.post(
        "/api/v1/admin/tokens", "admin", json={"username": "agent", "label": "t", "scope": "all"}
    )
    assert unknown.status_code == 400
    assert unknown.json["field"] == "scope"
    token(sqlite_api, "station", "upload", "scanner", expires_at="2999-12-31T23:00:00+01:00")
    listed = sqlite_api.get("/api/v1/admin/tokens?size=100", "admin").json["tokens"]
    by_label = {row["label"]: (row["scope"], row["expires_at"]) for row in listed}
    assert by_label["scanner"] == ("upload", "2999-12-31T22:00:00Z")
    assert by_label["test station"] == ("full", None)
