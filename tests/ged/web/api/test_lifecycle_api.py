"""Retention and legal holds over the API (SQLite and PostgreSQL): a document answers its
rule and due date; rules created, edited (a new version) and listed; an event moves a due
date; a held document resists DELETE and a bulk delete by an administrator until its
hold is released."""

from __future__ import annotations

from ged.services.bulk import run_bulk

PDF = b"%PDF-1.4\n%%EOF\n"


def upload(api, who: str = "admin", **fields) -> int:
    answer = api.upload(PDF + repr(fields).encode(), who=who, **fields)
    assert answer.status_code == 202, answer.json
    return answer.json["id"]


def put(api, url: str, who: str, json: dict):
    return api.client.put(url, json=json, headers=api.headers(who))


def test_a_document_answers_its_rule_and_due_date(api):
    invoice = upload(api, document_type="facture", document_date="2024-01-31")
    body = api.get(f"/api/v1/documents/{invoice}", "admin").json
    assert body["retention"]["due_date"] == "2034-01-31"
    assert body["retention"]["final_action"] == "destroy"
    assert body["retention"]["rule_version"] == 1

    contract = upload(api, document_type="contrat")
    assert api.get(f"/api/v1/documents/{contract}", "admin").json["retention"]["due_date"] is None
    recorded = put(
        api, f"/api/v1/documents/{contract}/events/contract_ended", "admin", {"date": "2026-06-30"}
    )
    assert recorded.status_code == 200, recorded.json
    assert recorded.json["date"] == "2026-06-30"
    body = api.get(f"/api/v1/documents/{contract}", "admin").json
    assert body["retention"]["due_date"] == "2031-06-30"
    listed = api.get(f"/api/v1/documents/{contract}/events", "admin").json["events"]
    assert [(e["name"], e["date"]) for e in listed] == [("contract_ended", "2026-06-30")]
    bad = put(
        api, f"/api/v1/documents/{contract}/events/Contract-Ended", "admin", {"date": "2026-06-30"}
    )
    assert (bad.status_code, bad.json["field"]) == (422, "name")


def test_rules_are_created_edited_and_listed_with_their_history(api):
    letter = upload(api, document_type="courrier", document_date="2025-03-31")
    unruled = api.get("/api/v1/retention/unruled", "archivist").json
    assert letter in [doc["id"] for doc in unruled["documents"]]

    rule = {"document_type": "courrier", "duration_months": 11, "final_action": "destroy"}
    created = api.post("/api/v1/retention/rules", "archivist", json=rule)
    assert created.status_code == 201, created.json
    assert (created.json["version"], created.json["in_force"]) == (1, True)
    due = api.get(f"/api/v1/documents/{letter}", "admin").json["retention"]["due_date"]
    assert due == "2026-02-28"
    again = api.post("/api/v1/retention/rules", "archivist", json=rule)
    assert again.status_code == 409

    edited = api.patch(
        f"/api/v1/retention/rules/{created.json['id']}",
        "archivist",
        json={"duration_years": 1, "duration_months": 0, "final_action": "transfer"},
    )
    assert edited.status_code == 200, edited.json
    assert edited.json["version"] == 2
    body = api.get(f"/api/v1/documents/{letter}", "admin").json["retention"]
    assert (body["due_date"], body["final_action"], body["rule_id"]) == (
        "2026-03-31",
        "transfer",
        edited.json["id"],
    )
    stale = api.patch(
        f"/api/v1/retention/rules/{created.json['id']}", "archivist", json={"duration_years": 2}
    )
    assert stale.status_code == 409
    history = api.get(f"/api/v1/retention/rules/{edited.json['id']}/history", "auditor").json
    assert [(r["version"], r["in_force"]) for r in history["rules"]] == [(1, False), (2, True)]
    in_force = api.get("/api/v1/retention/rules?document_type=courrier", "auditor").json
    assert [r["id"] for r in in_force["rules"]] == [edited.json["id"]]
    event_less = api.post(
        "/api/v1/retention/rules",
        "archivist",
        json={"document_type": "autre", "start_event": "event", "final_action": "sort"},
    )
    assert (event_less.status_code, event_less.json["field"]) == (422, "event_name")
    removed = api.delete(f"/api/v1/retention/rules/{edited.json['id']}", "archivist")
    assert removed.status_code == 204
    assert api.get(f"/api/v1/documents/{letter}", "admin").json["retention"]["rule_id"] is None


def test_a_held_document_resists_delete_and_bulk_delete_by_an_admin(api):
    held, free = upload(api), upload(api)
    placed = api.post(
        "/api/v1/holds",
        "archivist",
        json={"reason": "contentieux n° 2601234", "selection": {"ids": [held]}},
    )
    assert placed.status_code == 201, placed.json
    assert (placed.json["in_force"], placed.json["document_count"]) == (True, 1)
    hold_id = placed.json["id"]

    refused = api.delete(f"/api/v1/documents/{held}", "admin")
    assert refused.status_code == 409
    assert f"legal hold {hold_id} (contentieux n° 2601234)" in refused.json["detail"]
    holds_of = api.get(f"/api/v1/documents/{held}/holds", "admin").json["holds"]
    assert [hold["id"] for hold in holds_of] == [hold_id]

    started = api.post(
        "/api/v1/bulk",
        "admin",
        json={"operation": {"kind": "delete"}, "selection": {"ids": [held, free]}},
    )
    assert started.status_code == 202, started.json
    run_bulk(api.client.application.extensions["ged"], started.json["id"])
    job = api.get(f"/api/v1/jobs/{started.json['id']}", "admin").json
    assert (job["succeeded"], job["failed"]) == (1, 1)
    assert job["errors"][0]["document_id"] == held
    assert api.get(f"/api/v1/documents/{free}", "admin").status_code == 410

    released = api.post(
        f"/api/v1/holds/{hold_id}/release", "archivist", json={"reason": "désistement"}
    )
    assert released.status_code == 200, released.json
    assert (released.json["in_force"], released.json["released_by"]) == (False, "archivist")
    assert api.delete(f"/api/v1/documents/{held}", "admin").status_code == 204
    assert api.get("/api/v1/holds?in_force=true", "archivist").json["holds"] == []
    events = api.get("/api/v1/audit/events?action=hold.release", "admin").json["events"]
    assert [event["object_id"] for event in events] == [str(hold_id)]
