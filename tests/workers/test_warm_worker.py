"""The worker loads, before it forks its job child, what every new child would otherwise
load and lose at its exit: the classifier model (1.5 s of CPU a job when each child loaded it)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import ged.services.pipeline_steps as pipeline_steps
from ged.config import Settings
from ingest.classify import save_model, train_model
from tests.ingest.corpus_generator import TYPES, generate
from tests.ingest.samples import born_digital_pdf, page_lines
from tests.processes import run_worker_burst


@pytest.fixture
def settings(make_settings, tmp_path: Path) -> Settings:
    """The test's settings with a model trained beforehand, as `ged classifier train` leaves it."""
    model = tmp_path / "classifier.joblib"
    save_model(train_model((generate(kind, n), kind) for kind in TYPES for n in range(4)), model)
    return make_settings(classification={"model_path": model})


def test_the_model_is_loaded_before_the_fork_and_never_in_a_job_child(
    sqlite_api, tmp_path, monkeypatch
):
    loads = tmp_path / "model-loads"
    real_load = pipeline_steps.load_model

    def counted_load(path: Path):
        with loads.open("a") as record:  # a forked child's load shows here too
            record.write(f"{os.getpid()}\n")
        return real_load(path)

    monkeypatch.setattr(pipeline_steps, "load_model", counted_load)
    pipeline_steps._models.clear()  # another test of this process may have loaded one
    ids = []
    for n in range(3):
        pdf = born_digital_pdf(tmp_path / f"arrete-{n}.pdf", [page_lines(f"Arrêté {n}", n)])
        response = sqlite_api.upload(pdf.read_bytes(), pdf.name, who="agent")
        assert response.status_code == 202, response.json
        ids.append(response.json["id"])

    run_worker_burst(sqlite_api.settings, None)  # ged worker's own: jobs in a forked child

    for document_id in ids:
        document = sqlite_api.get(f"/api/v1/documents/{document_id}").json
        assert document["status"] == "done", document
    assert loads.read_text().split() == [str(os.getpid())], "loaded in a job's child"
