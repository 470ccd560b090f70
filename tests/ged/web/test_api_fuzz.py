"""The API keeps its OpenAPI contract under a property-based fuzzer: schemathesis, every
check, every operation, against a live `ged serve` on the real services, as an
administrator, an agent and a scanner station — deletes included, on throwaway data —
with stateful sequences (upload → read → new version → restore) through the links.

The suite runs few random cases per operation (FUZZ_EXAMPLES, 3 by default) on top of
schemathesis' deterministic coverage phase (every schema's boundaries, whatever the
count); a deeper run asks for more: `FUZZ_EXAMPLES=25 scripts/test.sh tests/ged/web/test_api_fuzz.py`.
The coverage phase, two thirds of the time, runs as the administrator only: it walks the
boundaries of every schema, which only a caller allowed past authorization reaches; the
agent and the station get the random, example and stateful phases, where what differs for
them (refusals, ACL-filtered answers) shows. FUZZ_COVERAGE_ALL=1 runs it for all three.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.request
import xml.etree.ElementTree as ET
from io import BytesIO
from pathlib import Path

import pytest

from ged.web import create_app
from tests.apiclient import seed_accounts
from tests.migrated import migrate
from tests.processes import serving

#: the checkout, so that schemathesis (run from a scratch folder) imports its hooks from it
ROOT = str(Path(__file__).resolve().parents[3])

PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

#: random test cases per operation and phase: enough, beside the coverage phase, to find
#: what the schemas let through, small enough for the suite's time budget
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "3"))
#: who the coverage phase runs as (see the module's docstring)
COVERAGE_FOR = ("admin", "agent", "station") if os.environ.get("FUZZ_COVERAGE_ALL") else ("admin",)

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
    migrate(settings.database.url)
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
            "--phases",
            "examples,coverage,fuzzing,stateful"
            if who in COVERAGE_FOR
            else "examples,fuzzing,stateful",
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
    # A run that quietly left operations out (a schema it cannot read, a filter too
    # broad) would pass while proving less: every operation of the description ran.
    tested = ET.parse(report).getroot()
    assert tested.find(".//skipped") is None, run.stdout[-5_000:]
    assert {case.get("name") for case in tested.iter("testcase")} == {
        *operations(url),
        "Stateful tests",
    }


def operations(url: str) -> set[str]:
    """Every operation of the served OpenAPI description, named as schemathesis does."""
    with urllib.request.urlopen(f"{url}/api/v1/openapi.json", timeout=10) as answer:
        paths = json.load(answer)["paths"]
    methods = {"get", "put", "post", "delete", "patch", "head", "options"}
    return {
        f"{method.upper()} {path}"
        for path, item in paths.items()
        for method in item
        if method in methods
    }
