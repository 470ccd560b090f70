"""Lists answer pages with total and Link headers; the documents list filters like search;
documents are conditional-request resources (ETag, If-Match)."""

from __future__ import annotations

import re

from ged.models import ROLES
from tests.apiclient import statements

PDF = b"%PDF-1.4\n%%EOF\n"


def links(response) -> dict[str, str]:
    return {
        rel: url
        for url, rel in re.findall(r'<([^>]+)>; rel="(\w+)"', response.headers.get("Link", ""))
    }


def test_version_history_pages_with_total_and_links(sqlite_api):
    document_id = sqlite_api.upload(PDF).json["id"]
    for number in range(4):
        sqlite_api.add_version(document_id, PDF + bytes([number]))
    url = f"/api/v1/documents/{document_id}/versions?size=2"
    first = sqlite_api.get(url)
    assert (first.json["total"], first.json["page"], first.json["size"]) == (5, 1, 2)
    assert [v["number"] for v in first.json["versions"]] == [1, 2]
    assert set(links(first)) == {"first", "last", "next"}
    last = sqlite_api.get(links(first)["last"])
    assert last.json["page"] == 3 and [v["number"] for v in last.json["versions"]] == [5]
    assert set(links(last)) == {"first", "last", "prev"}
    assert "size=2" in links(last)["prev"]
    beyond = sqlite_api.get(f"/api/v1/documents/{document_id}/versions?page=9&size=2")
    assert beyond.status_code == 200 and beyond.json["versions"] == []


def test_page_sizes_are_bounded_and_named(sqlite_api):
    for url in ("/api/v1/admin/users?size=101", "/api/v1/documents?page=0"):
        response = sqlite_api.get(url, "admin")
        assert response.status_code == 400
        assert response.json["errors"][0]["location"] == "query"
    response = sqlite_api.get("/api/v1/admin/users?size=2", "admin")
    # one account per role, and an outsider
    assert response.json["total"] == len(ROLES) + 1 and len(response.json["users"]) == 2
    assert "next" in links(response)


def test_documents_list_filters_sorts_and_hides_what_the_caller_may_not_read(sqlite_api):
    ids = {}
    for name, fields in {
        "old": {"document_date": "2020-05-01", "tags": "voirie"},
        "new": {"document_date": "2026-03-01", "tags": "voirie,urgent"},
        "undated": {},
    }.items():
        ids[name] = sqlite_api.upload(PDF + name.encode(), f"{name}.pdf", **fields).json["id"]
    listed = sqlite_api.get("/api/v1/documents").json
    assert [d["id"] for d in listed["documents"]] == [ids["new"], ids["old"], ids["undated"]]
    assert listed["total"] == 3 and listed["documents"][0]["version"]["number"] == 1
    tagged = sqlite_api.get("/api/v1/documents?tag=voirie&tag=urgent").json
    assert [d["id"] for d in tagged["documents"]] == [ids["new"]]
    dated = sqlite_api.get("/api/v1/documents?date_to=2021-01-01").json
    assert [d["id"] for d in dated["documents"]] == [ids["old"]]
    by_change = sqlite_api.get("/api/v1/documents?sort=updated").json
    assert [d["id"] for d in by_change["documents"]] == [ids["old"], ids["new"], ids["undated"]]
    assert sqlite_api.get("/api/v1/documents", "outsider").json["total"] == 0
    sqlite_api.delete(f"/api/v1/documents/{ids['old']}")
    assert ids["old"] not in [
        d["id"] for d in sqlite_api.get("/api/v1/documents").json["documents"]
    ]


def test_the_documents_list_sends_as_many_statements_for_six_documents_as_for_two(sqlite_api):
    """What each listed document shows (tags, type, unit, batch origin, author) is loaded
    for the whole page at once, not by one query per document."""

    def listed() -> list[str]:
        sqlite_api.get("/api/v1/documents")  # the token's first use of the minute is recorded
        with statements(sqlite_api) as sent:
            assert sqlite_api.get("/api/v1/documents").status_code == 200
        return sent

    for number in range(2):
        sqlite_api.upload(PDF + bytes([number]), f"{number}.pdf", tags="voirie")
    two = listed()
    for number in range(2, 6):
        sqlite_api.upload(PDF + bytes([number]), f"{number}.pdf", tags="voirie")
    assert len(listed()) == len(two), two


def test_updated_since_takes_a_time_with_its_offset_only(sqlite_api):
    sqlite_api.upload(PDF)
    assert sqlite_api.get("/api/v1/documents?updated_since=2000-01-01T00:00:00Z").json["total"] == 1
    later = {"updated_since": "2999-01-01T00:00:00+01:00"}
    assert sqlite_api.get("/api/v1/documents", query_string=later).json["total"] == 0
    for value in ("0.5", "2026-01-01", "2026-01-01T00:00:00"):
        response = sqlite_api.get(f"/api/v1/documents?updated_since={value}")
        assert response.status_code == 400, value
        assert response.json["field"] == "updated_since"


def test_an_edit_with_a_stale_etag_is_refused_and_changes_nothing(sqlite_api):
    document_id = sqlite_api.upload(PDF).json["id"]
    url = f"/api/v1/documents/{document_id}"
    read = sqlite_api.get(url)
    etag = read.headers["ETag"]
    assert etag == f'"{read.json["revision"]}"'
    first = sqlite_api.patch(url, json={"tags": ["a"]}, headers={"If-Match": etag})
    assert first.status_code == 200 and first.headers["ETag"] != etag
    stale = sqlite_api.patch(url, json={"tags": ["b"]}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.mimetype == "application/problem+json"
    assert sqlite_api.get(url).json["tags"] == ["a"]
    again = sqlite_api.patch(url, json={"tags": ["b"]}, headers={"If-Match": first.headers["ETag"]})
    assert again.status_code == 200 and again.json["tags"] == ["b"]
    weak = sqlite_api.patch(url, json={"tags": ["c"]}, headers={"If-Match": "W/" + etag})
    assert weak.status_code == 422 and weak.json["field"] == "If-Match"


def test_acl_replacement_honours_if_match(sqlite_api):
    document_id = sqlite_api.upload(PDF).json["id"]
    url = f"/api/v1/documents/{document_id}/acl"
    etag = sqlite_api.get(url).headers["ETag"]
    grants = [
        {"principal": "group:urbanisme", "permission": "read"},
        {"principal": "user:agent", "permission": "manage"},
    ]
    body = {"inherit": True, "grants": grants}
    sqlite_api.patch(f"/api/v1/documents/{document_id}", json={"title": "Autre titre"})
    stale = sqlite_api.client.put(
        url, json=body, headers={**sqlite_api.headers("agent"), "If-Match": etag}
    )
    assert stale.status_code == 412
    fresh = sqlite_api.get(url).headers["ETag"]
    done = sqlite_api.client.put(
        url, json=body, headers={**sqlite_api.headers("agent"), "If-Match": fresh}
    )
    assert done.status_code == 200 and done.json["grants"] == body["grants"]
