"""The API keeps its OpenAPI contract under a property-based fuzzer: schemathesis, every
check, every operation, against a live `ged serve` on the real services, as an
administrator, an agent and a scanner station — deletes included, on throwaway data —
with stateful sequences (upload → read → new version → restore) through the links."""

from __future__ import annotations

import os
import subprocess
import sys
from io import BytesIO
from pathlib import Path

import pytest

from ged.migrate import upgrade
from ged.web import create_app
from tests.apiclient import seed_accounts
from tests.processes import serving

#: the checkout, so that schemathesis (run from a scratch folder) imports its hooks from it
ROOT = str(Path(__file__).resolve().parents[3])

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

#: test cases per operation and phase: enough to find what the schemas let through,
#: small enough for the suite's time budget
EXAMPLES = 8

CONFIG = """
[checks.positive_data_acceptance]
# A schema-valid request may still name a unit, a type or an account that does not
# exist, or a wrong current password: ged answers those 422 (see ged/web/problems.py);
# or a document the fuzzer itself deleted, which answers 410 to whoever filed it.
expected-statuses = ["2xx", "3xx", "401", "403", "404", "409", "410", "422", "429"]

[[operations]]
# Revoking a token: one made for it, not the token the run authenticates with.
include-name = "DELETE /api/v1/admin/tokens/{{token_id}}"
parameters = {{ token_id = {throwaway_token} }}
"""


@pytest.fixture(scope="module")
def live(live_settings, tmp_path_factory):
    settings = live_settings
    data = tmp_path_factory.mktemp("fuzz")
    upgrade(settings.database.url)
    tokens = seed_accounts(settings)
    throwaway = _file_documents_and_a_throwaway_token(settings, tokens)
    config = data / "schemathesis.toml"
    config.write_text(CONFIG.format(throwaway_token=throwaway))
    with serving(settings, data / "serve.log") as url:
        yield url, tokens, config, data


def _file_documents_and_a_throwaway_token(settings, tokens) -> int:
    app = create_app(settings)
    client = app.test_client()
    for number in range(3):
        response = client.post(
            "/api/v1/documents",
            headers={"Authorization": f"Bearer {tokens['agent']}"},
            data={"file": (BytesIO(PDF + bytes([number])), f"d{number}.pdf")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 202, response.json
    response = client.post(
        "/api/v1/admin/tokens",
        headers={"Authorization": f"Bearer {tokens['admin']}"},
        json={"username": "agent", "label": "to revoke"},
    )
    assert response.status_code == 201, response.json
    app.extensions["ged"].close()
    return response.json["id"]


@pytest.mark.timeout(600)
@pytest.mark.parametrize("who", ["admin", "agent", "station"])
def test_every_operation_keeps_its_contract_under_fuzzing(live, who):
    url, tokens, config, data = live
    report = data / f"report-{who}.xml"
    run = subprocess.run(
        [
            str(Path(sys.executable).with_name("schemathesis")),
            "--config-file",
            str(config),
            "run",
            f"{url}/api/v1/openapi.json",
            "--checks",
            "all",
            "--header",
            f"Authorization: Bearer {tokens[who]}",
            "--max-examples",
            str(EXAMPLES),
            "--seed",
            "20261201",
            "--workers",
            "1",
            "--no-color",
            "--report",
            "junit",
            "--report-junit-path",
            str(report),
        ],
        capture_output=True,
        text=True,
        timeout=580,
        check=False,
        cwd=data,  # where schemathesis keeps its cache
        env={**os.environ, "SCHEMATHESIS_HOOKS": "tests.ged.web.fuzz_hooks", "PYTHONPATH": ROOT},
    )
    log = (data / "serve.log").read_text()
    assert run.returncode == 0, run.stdout[-20_000:] + run.stderr[-2_000:]
    assert "Traceback" not in log, log[-5_000:]
