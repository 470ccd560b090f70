"""Grants decide who sees what, take effect at once, and hide what may not be read."""

from __future__ import annotations

PDF = b"%PDF-1.4\n%%EOF\n"


def test_unit_grants_are_inherited_and_can_be_narrowed(api):
    # 'agent' and 'station' are in group 'urbanisme', which may write in unit 'Urbanisme'.
    document_id = api.upload(PDF, who="station", unit="Urbanisme").json["id"]
    assert api.get(f"/api/v1/documents/{document_id}", "agent").status_code == 200
    assert api.get(f"/api/v1/documents/{document_id}", "outsider").status_code == 404

    acl = api.get(f"/api/v1/documents/{document_id}/acl", "archivist")
    assert acl.status_code == 200
    assert acl.json["inherited"] == [{"principal": "group:urbanisme", "permission": "write"}]

    narrowed = api.client.put(
        f"/api/v1/documents/{document_id}/acl",
        headers=api.headers("archivist"),
        json={"inherit": False, "grants": [{"principal": "user:outsider", "permission": "read"}]},
    )
    assert narrowed.status_code == 200, narrowed.json
    assert api.get(f"/api/v1/documents/{document_id}", "agent").status_code == 404
    assert api.get(f"/api/v1/documents/{document_id}", "outsider").status_code == 200
    # read is not write
    assert (
        api.patch(f"/api/v1/documents/{document_id}", "outsider", json={"title": "x"}).status_code
        == 403
    )


def test_unreadable_and_missing_documents_answer_the_same(api):
    document_id = api.upload(PDF, who="agent").json["id"]
    for url in (
        f"/api/v1/documents/{document_id}",
        f"/api/v1/documents/{document_id}/content",
        f"/api/v1/documents/{document_id}/versions",
        f"/api/v1/documents/{document_id}/acl",
        f"/api/v1/documents/{document_id}/text",
    ):
        hidden = api.get(url, "outsider")
        missing = api.get(
            url.replace(f"/{document_id}/", "/999999/").replace(f"/{document_id}", "/999999"),
            "outsider",
        )
        assert hidden.status_code == missing.status_code == 404
        assert hidden.json["title"] == missing.json["title"]


def test_owner_cannot_lock_themselves_out(api):
    document_id = api.upload(PDF, who="agent").json["id"]
    response = api.client.put(
        f"/api/v1/documents/{document_id}/acl",
        headers=api.headers("agent"),
        json={"inherit": False, "grants": [{"principal": "user:outsider", "permission": "manage"}]},
    )
    assert response.status_code == 422
    assert "your own manage permission" in response.json["detail"]
    assert api.get(f"/api/v1/documents/{document_id}", "outsider").status_code == 404


def test_bad_grants_are_named(sqlite_api):
    document_id = sqlite_api.upload(PDF).json["id"]
    url = f"/api/v1/documents/{document_id}/acl"
    for grants, status, words in (
        ([{"principal": "user:personne", "permission": "read"}], 422, "no user named"),
        ([{"principal": "groupe:x", "permission": "read"}], 400, "user:<name>"),
        ([{"principal": "group:urbanisme", "permission": "admin"}], 400, "'read', 'write'"),
        ("tout le monde", 400, "valid list"),
    ):
        response = sqlite_api.client.put(
            url, headers=sqlite_api.headers("agent"), json={"grants": grants}
        )
        assert response.status_code == status
        assert words in response.json["detail"]


def test_unit_acl_changes_apply_at_once(api):
    document_id = api.upload(PDF, who="station", unit="Urbanisme").json["id"]
    assert api.get(f"/api/v1/documents/{document_id}", "outsider").status_code == 404
    denied = api.client.put(
        "/api/v1/units/Urbanisme/acl", headers=api.headers("agent"), json={"grants": []}
    )
    assert denied.status_code == 403
    changed = api.client.put(
        "/api/v1/units/Urbanisme/acl",
        headers=api.headers("admin"),
        json={"grants": [{"principal": "user:outsider", "permission": "read"}]},
    )
    assert changed.status_code == 200, changed.json
    assert api.get(f"/api/v1/documents/{document_id}", "outsider").status_code == 200
    assert api.get(f"/api/v1/documents/{document_id}", "agent").status_code == 404
