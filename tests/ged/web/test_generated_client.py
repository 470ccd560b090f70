"""A client generated from the OpenAPI description, as an integrator would make one
(openapi-python-client), files a document, waits for it to be done, finds it and
downloads it from a live ged with a real worker."""

from __future__ import annotations

import importlib
import subprocess
import sys
import urllib.request
from io import BytesIO
from pathlib import Path

import pytest

from tests.apiclient import seed_accounts
from tests.ingest.samples import born_digital_pdf, page_lines
from tests.migrated import migrate
from tests.processes import kill_group, serving, start_worker, wait_until


class Operations:
    """The generated client's operations, one module each under its tag, by operation id."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def __getattr__(self, operation_id: str):
        (module,) = (self.root / "ged_api" / "api").glob(f"*/{operation_id}.py")
        return importlib.import_module(f"ged_api.api.{module.parent.name}.{operation_id}")


def generate_client(url: str, directory: Path) -> None:
    description = directory / "openapi.json"
    with urllib.request.urlopen(f"{url}/api/v1/openapi.json", timeout=10) as answer:
        description.write_bytes(answer.read())
    generated = subprocess.run(
        [
            str(Path(sys.executable).with_name("openapi-python-client")),
            "generate",
            "--path",
            str(description),
            "--output-path",
            str(directory / "ged_api"),
            "--meta",
            "none",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    # A warning means a part of the API the client could not express: none may be left out.
    assert "WARNING" not in generated.stdout, generated.stdout


@pytest.mark.timeout(300)
def test_generated_client_files_waits_searches_and_downloads(settings, tmp_path, monkeypatch):
    migrate(settings.database.url)
    tokens = seed_accounts(settings)
    content = born_digital_pdf(
        tmp_path / "arrete.pdf", [page_lines("Arrêté de circulation rue des Lilas", seed=3)]
    ).read_bytes()
    worker = start_worker(settings)
    try:
        with serving(settings, tmp_path / "serve.log") as url:
            generate_client(url, tmp_path)
            monkeypatch.syspath_prepend(str(tmp_path))
            api = importlib.import_module("ged_api")
            operations = Operations(tmp_path)
            models = importlib.import_module("ged_api.models")
            types = importlib.import_module("ged_api.types")
            with api.AuthenticatedClient(base_url=url, token=tokens["agent"]) as client:
                form = models.UploadForm(
                    file=types.File(payload=BytesIO(content), file_name="arrete.pdf"),
                    title="Arrêté de circulation rue des Lilas",
                    tags="voirie",
                )
                accepted = operations.documents_create.sync(client=client, body=form)
                assert isinstance(accepted, models.Accepted), accepted
                document_id = accepted.id

                def done() -> bool:
                    document = operations.documents_read.sync(document_id, client=client)
                    assert isinstance(document, models.DocumentOut), document
                    return document.status == "done"

                wait_until(done, 180, "the document to be done")

                def found() -> bool:
                    result = operations.search_search.sync(client=client, q="Lilas")
                    assert isinstance(result, models.SearchResult), result
                    return [hit.id for hit in result.hits] == [document_id]

                wait_until(found, 30, "the document to be found")

                download = operations.documents_content.sync_detailed(document_id, client=client)
                assert download.status_code == 200
                assert download.content == content
                missing = operations.documents_read.sync(2_000_000, client=client)
                assert isinstance(missing, models.Problem) and missing.status == 404
    finally:
        kill_group(worker)
