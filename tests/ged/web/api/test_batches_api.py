"""Batches through the API: an upload with split=separators answers the batch, a real RQ
worker splits it, the batch shows its progress and documents, each document its origin;
a re-split by an archivist; files that are no batch answer 422 naming the file."""

from __future__ import annotations

import pikepdf

from tests.apiclient import serve
from tests.ingest.batches import Letter, batch_pages, save_batch
from tests.migrated import migrate
from tests.processes import run_worker_burst


def test_an_uploaded_batch_is_split_by_the_worker_into_documents(sqlite_api, tmp_path):
    api = sqlite_api
    # Under 500 kB: larger uploads are spooled to a file the test client leaves open.
    path = save_batch(batch_pages([Letter(pages=1)] * 3), tmp_path / "lot.pdf")
    answer = api.upload(path.read_bytes(), "lot.pdf", split="separators", unit="Urbanisme")
    assert answer.status_code == 202, answer.json
    batch_id = answer.json["id"]
    assert answer.headers["Location"].endswith(f"/api/v1/batches/{batch_id}")
    assert (answer.json["status"], answer.json["progress"]) == (
        "queued",
        {"filed": 0, "total": None},
    )

    run_worker_burst(api.settings)
    batch = api.get(f"/api/v1/batches/{batch_id}").json
    assert batch["status"] == "done", batch["error"]
    assert batch["progress"] == {"filed": 3, "total": 3}
    assert [(s["first_page"], s["last_page"]) for s in batch["segments"]] == [
        (2, 2),
        (4, 4),
        (6, 6),
    ]
    document = api.get(f"/api/v1/documents/{batch['segments'][2]['document_id']}").json
    assert document["unit"] == "Urbanisme"
    assert document["origin"] == {
        "batch": batch_id,
        "segment": 3,
        "first_page": 6,
        "last_page": 6,
        "barcode": {},
    }
    assert document["status"] == "done"
    assert api.get(f"/api/v1/batches/{batch_id}", "outsider").status_code == 404


def test_an_archivist_resplits_a_batch_as_new_versions(sqlite_api, tmp_path):
    api = sqlite_api
    path = save_batch(batch_pages([Letter(pages=3)]), tmp_path / "lot.pdf")
    batch_id = api.upload(path.read_bytes(), "lot.pdf", split="separators").json["id"]
    run_worker_burst(api.settings)
    ranges = {"segments": [{"first": 2, "last": 3}, {"first": 4, "last": 4}]}
    assert api.post(f"/api/v1/batches/{batch_id}/split", "agent", json=ranges).status_code == 403
    answer = api.post(f"/api/v1/batches/{batch_id}/split", "archivist", json=ranges)
    assert answer.status_code == 200, answer.json
    first, second = answer.json["segments"]
    assert api.get(f"/api/v1/documents/{first['document_id']}").json["current_version"] == 2
    assert second["document_id"] != first["document_id"]
    bad = api.post(
        f"/api/v1/batches/{batch_id}/split",
        "archivist",
        json={"segments": [{"first": 3, "last": 9}]},
    )
    assert bad.status_code == 422
    assert "not within the batch's 4 pages" in bad.json["detail"]


def test_files_that_are_no_batch_answer_400_naming_the_file(make_settings, tmp_path):
    settings = make_settings()
    migrate(settings.database.url)
    path = save_batch(batch_pages([Letter(pages=1)]), tmp_path / "lot.pdf")
    with pikepdf.open(path) as pdf:
        pdf.save(tmp_path / "chiffre.pdf", encryption=pikepdf.Encryption(user="x", owner="x"))
    for api in serve(settings):
        for content, reason in [
            (b"Une lettre en texte brut.\n", "must be a PDF or a TIFF file, not text/plain"),
            ((tmp_path / "chiffre.pdf").read_bytes(), "encrypted with a password"),
            (b"%PDF-1.4\n%%EOF\n", "damaged"),
        ]:
            answer = api.upload(content, "lot.pdf", split="separators")
            assert answer.status_code == 422
            assert answer.headers["Content-Type"] == "application/problem+json"
            assert reason in answer.json["detail"]
            assert answer.json["field"] == "file"
