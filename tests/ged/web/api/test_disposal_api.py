"""/api/v1/disposal on SQLite and PostgreSQL: queues, a list proposed, refused to its
proposer, approved by the archives authority, executed; the destroyed document answers
410 with its tombstone (404 to those who never could see it); the certificate downloads."""

from __future__ import annotations

import json

from ged.audit.certificate import verify_certificate
from ged.audit.seal import generate_key
from ged.services.destruction import execute_list
from tests.ged.disposal_setup import make_due

PDF = b"%PDF-1.4\n%%EOF\n"


def test_a_list_from_proposal_to_certificate_and_the_tombstone_it_leaves(api):
    generate_key(api.settings.audit.key_file)
    runtime = api.client.application.extensions["ged"]
    destroyed = api.upload(PDF + b"a detruire", who="agent", unit="Urbanisme").json["id"]
    kept = api.upload(PDF + b"a garder", who="agent", unit="Urbanisme").json["id"]
    make_due(runtime, destroyed)

    queues = api.get("/api/v1/disposal/queues", "archivist").json
    assert queues["destroy"] == {"due": 1, "held": 0}
    queue = api.get("/api/v1/disposal/queues/destroy", "archives_authority").json
    assert [entry["id"] for entry in queue["documents"]] == [destroyed]
    assert api.get("/api/v1/disposal/queues/garder", "archivist").status_code == 422

    made = api.post(
        "/api/v1/disposal/lists",
        "archivist",
        json={"title": "Factures 2014", "selection": {"queue": "destroy"}},
    )
    assert made.status_code == 201, made.json
    list_id = made.json["id"]
    assert [d["document_id"] for d in made.json["documents"]] == [destroyed]
    refused = api.post(
        f"/api/v1/disposal/lists/{list_id}/documents",
        "archivist",
        json={"selection": {"ids": [kept]}},
    )
    assert refused.status_code == 422 and "no retention rule" in refused.json["detail"]
    assert api.post(f"/api/v1/disposal/lists/{list_id}/submit", "archivist").status_code == 200
    # The archivist is not the authority; and the authority's visa is given once.
    assert (
        api.post(f"/api/v1/disposal/lists/{list_id}/approve", "archivist", json={}).status_code
        == 403
    )
    approved = api.post(
        f"/api/v1/disposal/lists/{list_id}/approve", "archives_authority", json={"comment": "vu"}
    )
    assert approved.status_code == 200 and approved.json["status"] == "approved"
    assert approved.json["decided_by"] == "archives_authority"
    again = api.post(
        f"/api/v1/disposal/lists/{list_id}/refuse", "archives_authority", json={"comment": "non"}
    )
    assert again.status_code == 409

    execute_list(runtime, list_id)

    for who in ("agent", "archivist", "archives_authority"):
        gone = api.get(f"/api/v1/documents/{destroyed}", who)
        assert gone.status_code == 410, (who, gone.json)
        assert gone.json["tombstone"]["disposal_list"] == list_id
        assert gone.json["tombstone"]["approved_by"] == "archives_authority"
    assert api.get(f"/api/v1/documents/{destroyed}", "outsider").status_code == 404
    for tail in ("/content", "/text", "/versions", "/acl"):
        assert api.get(f"/api/v1/documents/{destroyed}{tail}", "agent").status_code == 410, tail
    assert (
        api.patch(f"/api/v1/documents/{destroyed}", "archivist", json={"title": "x"}).status_code
        == 410
    )
    listed = api.get("/api/v1/documents", "archivist").json
    assert [d["id"] for d in listed["documents"]] == [kept]
    assert api.get(f"/api/v1/documents/{kept}", "agent").status_code == 200

    read = api.get(f"/api/v1/disposal/lists/{list_id}", "archivist").json
    assert read["status"] == "executed" and read["documents"][0]["outcome"] == "destroyed"
    pdf = api.get(f"/api/v1/disposal/lists/{list_id}/certificate?format=pdf", "archivist")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    signed = api.get(f"/api/v1/disposal/lists/{list_id}/certificate?format=json", "auditor")
    assert signed.status_code == 403
    signed = api.get(f"/api/v1/disposal/lists/{list_id}/certificate?format=json", "admin")
    ok, detail, _key = verify_certificate(signed.data)
    assert ok, detail
    assert json.loads(signed.data)["certificate"]["list"]["proposed_by"]["username"] == "archivist"
    summary = api.get("/api/v1/disposal/lists?status=executed", "archives_authority").json
    assert [entry["id"] for entry in summary["lists"]] == [list_id]
