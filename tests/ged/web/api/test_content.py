"""Downloads: ETag, conditional GET, Range, headers that keep content from running as a page."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator

import pytest
from sqlalchemy import select

from ged.access import principal_for
from ged.models import User
from ged.services import documents
from ged.services.documents import Metadata, Upload
from tests import s3
from tests.apiclient import Api, serve
from tests.migrated import migrate

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 400 + b"\n%%EOF\n"


def test_conditional_get_answers_304_for_the_same_sha(sqlite_api):
    document_id = sqlite_api.upload(PDF).json["id"]
    etag = f'"{hashlib.sha256(PDF).hexdigest()}"'
    url = f"/api/v1/documents/{document_id}/content"
    response = sqlite_api.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert sqlite_api.get(url, headers={"If-None-Match": '"autre"'}).status_code == 200


@pytest.fixture
def stored_api(make_settings, storage_section) -> Iterator[Api]:
    """The app on SQLite, on each blob store backend."""
    settings = make_settings(storage=storage_section)
    migrate(settings.database.url)
    yield from serve(settings)


def test_range_requests_return_the_asked_bytes(stored_api):
    document_id = stored_api.upload(PDF).json["id"]
    url = f"/api/v1/documents/{document_id}/content"
    response = stored_api.get(url, headers={"Range": "bytes=100-1099"})
    assert response.status_code == 206
    assert response.data == PDF[100:1100]
    assert response.headers["Content-Range"] == f"bytes 100-1099/{len(PDF)}"
    tail = stored_api.get(url, headers={"Range": "bytes=-10"})
    assert tail.data == PDF[-10:]
    outside = stored_api.get(url, headers={"Range": f"bytes={len(PDF) + 10}-"})
    assert outside.status_code == 416
    assert stored_api.get(url).data == PDF


def test_content_type_comes_from_the_bytes_not_the_name(sqlite_api):
    png = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
    document_id = sqlite_api.upload(png + b"\x00" * 64, "scan.pdf").json["id"]
    response = sqlite_api.get(f"/api/v1/documents/{document_id}/content")
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"].startswith("attachment")


@pytest.fixture
def s3_api(make_settings, s3_urls, s3_bucket) -> Iterator[Api]:
    settings = make_settings(storage=s3.storage_section(s3_urls, s3_bucket))
    migrate(settings.database.url)
    yield from serve(settings)


def test_a_range_of_a_large_blob_in_s3_fetches_about_that_range(s3_api):
    large = b"%PDF-1.4\n" + bytes(range(256)) * (64 * 1024) + b"\n%%EOF\n"  # 16 MiB
    runtime = s3_api.client.application.extensions["ged"]
    # Filed through the service, not posted: the test client would spool 16 MiB of form
    # to a temporary file that it never closes.
    with runtime.unit_of_work() as uow:
        agent = principal_for(uow.session.scalars(select(User).filter_by(username="agent")).one())
        upload = Upload(io.BytesIO(large), "large.pdf")
        document_id = documents.create_document(uow, agent, upload, Metadata()).id
    asked: list[str] = []
    runtime.adapters.blobs.client.meta.events.register(
        "before-call.s3.GetObject", lambda params, **_: asked.append(params["headers"]["Range"])
    )
    url = f"/api/v1/documents/{document_id}/content"
    response = s3_api.get(url, headers={"Range": "bytes=10000000-10000999"})
    assert response.status_code == 206
    assert response.data == large[10_000_000:10_001_000]
    assert asked == ["bytes=10000000-11048575"]  # a 1 MiB window, not the 16 MiB
