"""/api/v1/admin/webhooks: the secret shown once, bad input named, non-administrators refused."""

from __future__ import annotations

import pytest

HOOK = {"url": "https://integration.example.org/ged", "events": ["document.done"]}


def test_the_secret_is_shown_at_creation_and_never_again(sqlite_api):
    created = sqlite_api.post(
        "/api/v1/admin/webhooks", "admin", json={**HOOK, "description": "Parapheur"}
    )
    assert created.status_code == 201, created.json
    body = created.json
    assert body["secret"].startswith("whsec_")
    assert (body["url"], body["events"], body["description"], body["active"]) == (
        HOOK["url"],
        ["document.done"],
        "Parapheur",
        True,
    )
    assert body["created_by"] == "admin"

    listed = sqlite_api.get("/api/v1/admin/webhooks", "admin")
    assert listed.status_code == 200
    assert [hook["id"] for hook in listed.json["webhooks"]] == [body["id"]]
    assert body["secret"] not in listed.get_data(as_text=True)
    deliveries = sqlite_api.get(f"/api/v1/admin/webhooks/{body['id']}/deliveries", "admin")
    assert (deliveries.status_code, deliveries.json["deliveries"]) == (200, [])


@pytest.mark.parametrize(
    ("sent", "field"),
    [
        ({"events": ["document.done"]}, "url"),
        ({**HOOK, "url": "/relative/hooks"}, "url"),
        ({**HOOK, "url": "ftp://example.org/hooks"}, "url"),
        ({**HOOK, "events": []}, "events"),
        ({**HOOK, "events": ["document.read"]}, "events"),
        ({**HOOK, "description": ["not", "text"]}, "description"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(sqlite_api, sent, field):
    answer = sqlite_api.post("/api/v1/admin/webhooks", "admin", json=sent)
    assert answer.status_code == 400, answer.json
    assert answer.content_type == "application/problem+json"
    assert answer.json["field"].split(".")[0] == field
    assert field in answer.json["detail"]


def test_bad_query_values_on_deliveries_are_a_400(sqlite_api):
    hook = sqlite_api.post("/api/v1/admin/webhooks", "admin", json=HOOK).json["id"]
    listed = f"/api/v1/admin/webhooks/{hook}/deliveries"
    assert sqlite_api.get(f"{listed}?status=lost", "admin").json["field"] == "status"
    assert sqlite_api.get(f"{listed}?limit=0", "admin").json["field"] == "limit"
    assert sqlite_api.get(f"{listed}?limit=5000", "admin").json["field"] == "limit"


@pytest.mark.parametrize("who", ["archivist", "agent", "auditor", "station"])
def test_only_administrators_reach_webhooks(sqlite_api, who):
    hook = sqlite_api.post("/api/v1/admin/webhooks", "admin", json=HOOK).json["id"]
    calls = [
        sqlite_api.get("/api/v1/admin/webhooks", who),
        sqlite_api.post("/api/v1/admin/webhooks", who, json=HOOK),
        sqlite_api.delete(f"/api/v1/admin/webhooks/{hook}", who),
        sqlite_api.get(f"/api/v1/admin/webhooks/{hook}/deliveries", who),
        sqlite_api.post(f"/api/v1/admin/webhooks/{hook}/deliveries/1/retry", who),
    ]
    assert [answer.status_code for answer in calls] == [403] * 5
    assert "administrators" in calls[0].json["detail"]
    listed = sqlite_api.get("/api/v1/admin/webhooks", "admin").json["webhooks"]
    assert [(h["id"], h["active"]) for h in listed] == [(hook, True)]
