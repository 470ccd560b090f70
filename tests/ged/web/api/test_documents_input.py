"""Bad input gets a clear 4xx problem+json and leaves nothing half-written."""

from __future__ import annotations

from io import BytesIO

import pytest
from sqlalchemy import func, select

from ged.db import make_engine, make_session_factory
from ged.models import Blob, Document, Version

PDF = b"%PDF-1.4\n%%EOF\n"


def counts(settings) -> tuple[int, int, int, int]:
    """Documents, versions, blob rows and blob files: all must stay put after a refusal."""
    engine = make_engine(settings.database)
    with make_session_factory(engine)() as session:
        rows = tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (Document, Version, Blob)
        )
    engine.dispose()
    files = sum(
        1
        for path in settings.storage.path.rglob("*")
        if path.is_file() and ".tmp" not in path.parts
    )
    return (*rows, files)


def assert_problem(response, status: int, *words: str) -> None:
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == "application/problem+json"
    assert response.json["status"] == status
    for word in words:
        assert word in response.json["detail"]


def multipart(api, data: dict, url: str = "/api/v1/documents"):
    return api.post(url, data=data, content_type="multipart/form-data")


@pytest.mark.parametrize(
    ("filename", "words"),
    [
        ("../../etc/passwd", ["/"]),
        ("arrete\x00.pdf", ["control characters"]),
        ("arr\x1bete.pdf", ["control characters"]),
        ("a" * 500 + ".pdf", ["longer than 255"]),
        ("", ["no name"]),
    ],
)
def test_bad_filenames_are_refused(sqlite_api, filename, words):
    before = counts(sqlite_api.settings)
    response = multipart(sqlite_api, {"file": (BytesIO(PDF), filename)})
    assert_problem(response, 422, *words)
    assert response.json["field"] == "file"
    assert counts(sqlite_api.settings) == before


def post_raw_filename(api, raw_filename: bytes):
    """Send the Content-Disposition bytes as a client would, unescaped by any test helper."""
    boundary = "ged-boundary"
    body = (
        f"--{boundary}\r\n".encode()
        + b'Content-Disposition: form-data; name="file"; filename="'
        + raw_filename
        + b'"\r\n'
        + b"Content-Type: application/pdf\r\n\r\n"
        + PDF
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return api.post(
        "/api/v1/documents", data=body, content_type=f"multipart/form-data; boundary={boundary}"
    )


@pytest.mark.parametrize(
    ("raw_filename", "status", "words"),
    [(b"arr\xeat\xe9.pdf", 400, ["UTF-8"]), (b"dossier\\\\arrete.pdf", 422, ["\\"])],
)
def test_non_utf8_and_backslash_filenames_are_refused(sqlite_api, raw_filename, status, words):
    before = counts(sqlite_api.settings)
    assert_problem(post_raw_filename(sqlite_api, raw_filename), status, *words)
    assert counts(sqlite_api.settings) == before


def test_missing_file_part_and_empty_file(sqlite_api):
    before = counts(sqlite_api.settings)
    assert_problem(multipart(sqlite_api, {"title": "sans fichier"}), 400, "file: required")
    assert_problem(multipart(sqlite_api, {"file": (BytesIO(b""), "vide.pdf")}), 422, "empty")
    assert counts(sqlite_api.settings)[:3] == before[:3]


def test_body_that_is_not_multipart(sqlite_api):
    response = sqlite_api.post("/api/v1/documents", json={"file": "arrete.pdf"})
    assert_problem(response, 415, "multipart/form-data")
    response = sqlite_api.post("/api/v1/documents", data=PDF, content_type="application/pdf")
    assert_problem(response, 415, "multipart/form-data")


def test_unknown_document_and_version(sqlite_api):
    assert_problem(sqlite_api.get("/api/v1/documents/999999"), 404, "999999")
    assert_problem(sqlite_api.get("/api/v1/documents/999999/content"), 404)
    document_id = sqlite_api.upload(PDF).json["id"]
    assert_problem(
        sqlite_api.get(f"/api/v1/documents/{document_id}/content?version=7"), 404, "no version 7"
    )
    assert_problem(
        sqlite_api.get(f"/api/v1/documents/{document_id}/content?version=zéro"), 400, "whole number"
    )
    assert_problem(
        sqlite_api.post(f"/api/v1/documents/{document_id}/versions/9/restore"), 404, "no version 9"
    )
    before = counts(sqlite_api.settings)
    response = sqlite_api.add_version(999999, PDF)
    assert_problem(response, 404)
    assert counts(sqlite_api.settings) == before


def test_unknown_unit_type_and_bad_date_are_named(sqlite_api):
    before = counts(sqlite_api.settings)
    response = sqlite_api.upload(PDF, unit="Service fantôme")
    assert_problem(response, 422, "unknown unit")
    assert response.json["field"] == "unit"
    response = sqlite_api.upload(PDF, document_type="memo")
    assert_problem(response, 422, "unknown document type")
    response = sqlite_api.upload(PDF, document_date="14/03/2026")
    assert_problem(response, 400, "YYYY-MM-DD")
    assert response.json["field"] == "document_date"
    assert counts(sqlite_api.settings)[:3] == before[:3]


def test_bad_metadata_edits(sqlite_api):
    document_id = sqlite_api.upload(PDF).json["id"]
    url = f"/api/v1/documents/{document_id}"
    assert_problem(sqlite_api.patch(url, json={"titre": "x"}), 400, "unknown field")
    assert_problem(sqlite_api.patch(url, json={"title": None}), 400, "title")
    assert_problem(sqlite_api.patch(url, json={"tags": "a,b"}), 400, "list")
    assert_problem(
        sqlite_api.patch(url, data="pas du json", content_type="text/plain"), 415, "JSON"
    )
    assert_problem(sqlite_api.patch(url, data="{pas du json", content_type="application/json"), 400)
    response = sqlite_api.patch(url, json={"titre": "x", "tags": [1]})
    assert [(e["field"], e["location"]) for e in response.json["errors"]] == [
        ("tags.0", "body"),
        ("titre", "body"),
    ]


def test_upload_over_the_limit_is_413(make_settings):
    from ged.web import create_app
    from tests.apiclient import Api, seed_accounts
    from tests.migrated import migrate

    settings = make_settings(web={"max_upload_mb": 1})
    migrate(settings.database.url)
    app = create_app(settings)
    api = Api(app.test_client(), seed_accounts(settings), settings)
    response = api.upload(PDF + b"0" * (2 * 1024 * 1024))
    # werkzeug's test client spools a body this large to a temporary file it never closes
    response.request.environ["wsgi.input"].close()
    assert_problem(response, 413)
    assert counts(settings)[:3] == (0, 0, 0)
    app.extensions["ged"].close()


def test_unauthenticated_and_bad_tokens_get_401(sqlite_api):
    client = sqlite_api.client
    response = client.get("/api/v1/documents/1")
    assert_problem(response, 401, "authentication required")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    response = client.get("/api/v1/documents/1", headers={"Authorization": "Bearer ged_faux"})
    assert_problem(response, 401, "unknown, revoked")
    response = client.get("/api/v1/documents/1", headers={"Authorization": "Basic YTpi"})
    assert_problem(response, 401, "Bearer <token>")
