"""`ged reindex`, `ged reconcile` and `ged classifier train` on real data, through the command line."""

from __future__ import annotations

import getpass
import subprocess
import sys

from ingest.classify import load_model
from search.client import client_for
from tests.ingest.batches import Letter, batch_pages, save_batch
from tests.ingest.corpus_generator import generate
from tests.processes import ged_environment, run_worker_burst, wait_until


def ged(settings, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "ged", *args],
        env=ged_environment(
            settings, GED_CLASSIFICATION__MODEL_PATH=str(settings.classification.model_path)
        ),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_reindex_swaps_the_alias_to_a_new_index_and_keeps_every_document(sqlite_api):
    for n in range(3):
        sqlite_api.upload(
            f"Compte rendu numéro {n} de la commission voirie.".encode(), f"cr{n}.txt", who="admin"
        )
    run_worker_burst(sqlite_api.settings)
    search = lambda: sqlite_api.get("/api/v1/search?q=commission", "admin").json["total"]  # noqa: E731
    wait_until(lambda: search() == 3, 15, "indexing")
    client = client_for(sqlite_api.settings.opensearch)
    alias = f"{sqlite_api.settings.opensearch.index_prefix}-documents"
    before = set(client.indices.get_alias(name=alias))

    result = ged(sqlite_api.settings, "reindex")

    assert result.returncode == 0, result.stderr
    assert "3 document(s) indexed into" in result.stderr
    after = set(client.indices.get_alias(name=alias))
    assert after and after.isdisjoint(before)
    assert not client.indices.exists(index=",".join(before))
    client.close()
    assert search() == 3


def test_classifier_training_learns_from_confirmed_types(sqlite_api):
    for seed in range(4):
        for code in ("facture", "deliberation"):
            document_id = sqlite_api.upload(
                generate(code, seed).encode(), f"{code}{seed}.txt", who="admin"
            ).json["id"]
            # an agent confirms the type: the document becomes training data
            sqlite_api.patch(
                f"/api/v1/documents/{document_id}", "admin", json={"document_type": code}
            )
    run_worker_burst(sqlite_api.settings)

    result = ged(sqlite_api.settings, "classifier", "train")

    assert result.returncode == 0, result.stderr
    assert "model trained on 8 document(s) (deliberation: 4, facture: 4)" in result.stderr
    model = load_model(sqlite_api.settings.classification.model_path)
    assert model is not None and set(model.types) == {"deliberation", "facture"}


def test_training_without_enough_confirmed_documents_says_why(sqlite_api):
    result = ged(sqlite_api.settings, "classifier", "train")
    assert result.returncode == 1
    assert "cannot train yet" in result.stderr
    assert "Traceback" not in result.stderr


def test_reconcile_requeues_what_a_redis_loss_forgot_and_is_recorded(sqlite_api, redis_client):
    ids = [
        sqlite_api.upload(f"Arrêté numéro {n}.".encode(), f"a{n}.txt", who="admin").json["id"]
        for n in range(2)
    ]
    redis_client.flushdb()  # Redis lost its queue: the versions are still pending

    result = ged(sqlite_api.settings, "reconcile")

    assert result.returncode == 0, result.stderr
    assert "2 unfinished version(s) queued" in result.stderr
    run_worker_burst(sqlite_api.settings)
    for document_id in ids:
        document = sqlite_api.get(f"/api/v1/documents/{document_id}", "admin").json
        assert document["status"] == "done", document
    recorded = sqlite_api.get("/api/v1/audit/events?action=cli.reconcile", "admin").json
    assert [(e["actor"], e["details"]) for e in recorded["events"]] == [
        (
            f"cli:{getpass.getuser()}",
            {"queued": 2, "index_refreshed": 0, "deliveries_queued": 0, "batches_queued": 0},
        )
    ]


def test_reconcile_queues_again_a_batch_whose_split_redis_forgot(
    sqlite_api, redis_client, tmp_path
):
    path = save_batch(batch_pages([Letter(pages=1)] * 2), tmp_path / "lot.pdf")
    batch_id = sqlite_api.upload(path.read_bytes(), "lot.pdf", split="separators").json["id"]
    redis_client.flushdb()

    result = ged(sqlite_api.settings, "reconcile")

    assert result.returncode == 0, result.stderr
    assert "1 scanned batch(es) queued for their split" in result.stderr
    run_worker_burst(sqlite_api.settings)
    batch = sqlite_api.get(f"/api/v1/batches/{batch_id}").json
    assert (batch["status"], batch["progress"]) == ("done", {"filed": 2, "total": 2}), batch


def test_reconcile_without_redis_says_so_and_records_nothing(sqlite_api):
    result = subprocess.run(
        [sys.executable, "-m", "ged", "reconcile"],
        env=ged_environment(sqlite_api.settings, GED_REDIS__URL="redis://127.0.0.1:9/0"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1
    assert result.stderr.startswith("Error: redis is unavailable: redis://127.0.0.1:9/0")
    recorded = sqlite_api.get("/api/v1/audit/events?action=cli.reconcile", "admin").json
    assert recorded["total"] == 0
