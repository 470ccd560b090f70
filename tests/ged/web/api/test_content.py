"""Downloads: ETag, conditional GET, Range, headers that keep content from running as a page."""

from __future__ import annotations

import hashlib

PDF = b"%PDF-1.4\n" + bytes(range(256)) * 400 + b"\n%%EOF\n"


def test_conditional_get_answers_304_for_the_same_sha(sqlite_api):
    document_id = sqlite_api.upload(PDF).json["id"]
    etag = f'"{hashlib.sha256(PDF).hexdigest()}"'
    url = f"/api/v1/documents/{document_id}/content"
    response = sqlite_api.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 304
    assert response.data == b""
    assert sqlite_api.get(url, headers={"If-None-Match": '"autre"'}).status_code == 200


def test_range_requests_return_the_asked_bytes(sqlite_api):
    document_id = sqlite_api.upload(PDF).json["id"]
    url = f"/api/v1/documents/{document_id}/content"
    response = sqlite_api.get(url, headers={"Range": "bytes=100-1099"})
    assert response.status_code == 206
    assert response.data == PDF[100:1100]
    assert response.headers["Content-Range"] == f"bytes 100-1099/{len(PDF)}"
    tail = sqlite_api.get(url, headers={"Range": "bytes=-10"})
    assert tail.data == PDF[-10:]
    outside = sqlite_api.get(url, headers={"Range": f"bytes={len(PDF) + 10}-"})
    assert outside.status_code == 416


def test_content_type_comes_from_the_bytes_not_the_name(sqlite_api):
    png = bytes.fromhex("89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489")
    document_id = sqlite_api.upload(png + b"\x00" * 64, "scan.pdf").json["id"]
    response = sqlite_api.get(f"/api/v1/documents/{document_id}/content")
    assert response.mimetype == "image/png"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "private" in response.headers["Cache-Control"]
    assert response.headers["Content-Disposition"].startswith("attachment")
