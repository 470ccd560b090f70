"""Notes through the API: added by writers, answered, edited by their author only, and
found by the search (note: and the full text) once the document is reindexed."""

from __future__ import annotations

from tests.processes import run_worker_burst, wait_until


def total(api, q, who="agent"):
    return api.get("/api/v1/search", who, query_string={"q": q}).json["total"]


def test_notes_are_written_answered_edited_by_their_author_and_searchable(sqlite_api):
    api = sqlite_api
    doc = api.upload(
        b"Arrete portant reglementation du stationnement.", "a.txt", who="agent", unit="Urbanisme"
    ).json["id"]
    run_worker_burst(api.settings)
    wait_until(lambda: total(api, "stationnement") == 1, 15, "indexing")
    url = f"/api/v1/documents/{doc}/notes"

    added = api.post(url, "agent", json={"body": "Avis favorable : pistes cyclables"})
    assert added.status_code == 201, added.json
    first = added.json
    assert first["author"] == "agent" and first["reply_to_id"] is None
    assert first["created_at"].endswith("Z") and first["edited_at"] is None
    # station writes through its group's grant on the unit: it answers (the id written
    # 3.0, which JSON Schema counts as an integer: so does ged, found by the API fuzzer)
    answer = api.post(
        url, "station", json={"body": "Vu, trottoirs à prévoir", "reply_to_id": float(first["id"])}
    )
    assert answer.status_code == 201 and answer.json["reply_to_id"] == first["id"]

    refused = api.patch(f"{url}/{first['id']}", "station", json={"body": "Avis défavorable"})
    assert refused.status_code == 403
    assert "only its author may edit" in refused.json["detail"]
    assert api.post(url, "outsider", json={"body": "x"}).status_code == 404
    assert api.get(url, "outsider").status_code == 404
    assert api.patch(f"{url}/999999", "agent", json={"body": "x"}).status_code == 404
    empty = api.post(url, "agent", json={"body": ""})
    assert empty.status_code == 400 and empty.json["field"] == "body"
    wrong = api.post(url, "agent", json={"body": "x", "reply_to_id": 999999})
    assert wrong.status_code == 422 and wrong.json["field"] == "reply_to_id"
    text = api.post(url, "agent", json={"body": "x", "reply_to_id": "1"})
    assert text.status_code == 400 and text.json["field"] == "reply_to_id"

    # a reader may read the notes, not add one
    acl = api.client.put(
        f"/api/v1/documents/{doc}/acl",
        headers=api.headers("agent"),
        json={
            "inherit": True,
            "grants": [
                {"principal": "user:agent", "permission": "manage"},
                {"principal": "user:outsider", "permission": "read"},
            ],
        },
    )
    assert acl.status_code == 200, acl.json
    assert [n["body"] for n in api.get(url, "outsider").json["notes"]] == [
        "Avis favorable : pistes cyclables",
        "Vu, trottoirs à prévoir",
    ]
    assert api.post(url, "outsider", json={"body": "x"}).status_code == 403

    run_worker_burst(api.settings)
    wait_until(lambda: total(api, "note:cyclables") == 1, 15, "the note's indexing")
    assert total(api, "cyclable") == 1  # full text, stemmed
    assert total(api, "note:stationnement") == 0  # the pages are not the notes
    assert total(api, "note:trottoirs", who="station") == 1
    assert total(api, "note:cyclables", who="auditor") == 0

    edited = api.patch(f"{url}/{first['id']}", "agent", json={"body": "Avis réservé : chicanes"})
    assert edited.status_code == 200 and edited.json["edited_at"] is not None
    run_worker_burst(api.settings)
    wait_until(lambda: total(api, "note:chicanes") == 1, 15, "the edit's indexing")
    assert total(api, "note:cyclables") == 0
