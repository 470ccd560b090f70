"""POST /api/v1/transfers/{id}/reply on SQLite and PostgreSQL: the archives' XML as a
multipart file; the answer is the transfer as the reply left it; the queues follow; an
invalid file is a 422 naming the line; a second reply a 409."""

from __future__ import annotations

from io import BytesIO

from tests.ged.disposal_setup import make_due
from tests.ged.transfer_setup import make_transfer, reply_xml

PDF = b"%PDF-1.4\n%%EOF\n"


def send(api, transfer_id: int, xml: bytes, who: str = "archivist"):
    return api.post(
        f"/api/v1/transfers/{transfer_id}/reply",
        who,
        data={"file": (BytesIO(xml), "ATR.xml")},
        content_type="multipart/form-data",
    )


def test_a_reply_is_recorded_and_the_queues_follow(api):
    runtime = api.client.application.extensions["ged"]
    accepted = api.upload(PDF + b"verse", who="agent", unit="Urbanisme").json["id"]
    refused = api.upload(PDF + b"refuse", who="agent", unit="Urbanisme").json["id"]
    for document_id in (accepted, refused):
        make_due(runtime, document_id, "transfer")
    first, first_message = make_transfer(runtime, "archivist", [accepted])
    second, second_message = make_transfer(runtime, "archivist", [refused])

    invalid = send(api, first, reply_xml(first_message).replace(b"<CodeListVersions/>", b""))
    assert invalid.status_code == 422
    assert invalid.headers["Content-Type"] == "application/problem+json"
    assert "line" in invalid.json["detail"] and "CodeListVersions" in invalid.json["detail"]
    assert send(api, second, reply_xml(first_message)).status_code == 422
    assert send(api, first, reply_xml(first_message), who="agent").status_code == 403

    done = send(api, first, reply_xml(first_message, units={f"AU-{accepted}": "FRAD075_1"}))
    assert done.status_code == 200, done.json
    assert done.json["status"] == "accepted" and done.json["recorded"] == "reply"
    assert done.json["documents"] == [
        {
            "document_id": accepted,
            "unit_identifier": f"AU-{accepted}",
            "outcome": "transferred",
            "archival_identifier": "FRAD075_1",
            "reason": None,
            "done_at": done.json["documents"][0]["done_at"],
        }
    ]
    again = send(api, first, reply_xml(first_message, "KO", identifier="ATR-9"))
    assert again.status_code == 409
    rejected = send(api, second, reply_xml(second_message, "KO", comment="Hors profil"))
    assert rejected.json["status"] == "rejected"
    assert rejected.json["documents"][0]["reason"] == "Hors profil"

    queues = api.get("/api/v1/disposal/queues", "archivist").json
    assert queues["transfer"]["due"] == 1 and queues["transferred"]["due"] == 1
    queue = api.get("/api/v1/disposal/queues/transfer", "archivist").json["documents"]
    assert [(e["id"], e["rejection"]) for e in queue] == [(refused, "Hors profil")]
    versed = api.get("/api/v1/disposal/queues/transferred", "archivist").json["documents"]
    assert [(e["id"], e["archival_identifier"]) for e in versed] == [(accepted, "FRAD075_1")]
    listed = api.post(
        "/api/v1/disposal/lists",
        "archivist",
        json={"title": "Versés", "selection": {"queue": "transferred"}},
    )
    assert listed.status_code == 201, listed.json
    assert [(d["document_id"], d["queue"]) for d in listed.json["documents"]] == [
        (accepted, "transferred")
    ]
