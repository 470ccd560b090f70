"""The dependency rules of the design, checked by import-linter (contracts in pyproject.toml).

The contracts must hold on the tree, and must break when one of the cycles that the
service layer removed comes back: each case below plants one such import in a copy
of the tree and expects lint-imports to refuse it.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ged", "ingest", "search", "seda", "workers")
CONTRACTS = 7


def lint_imports(root: Path) -> subprocess.CompletedProcess:
    lint = Path(sys.executable).parent / "lint-imports"
    # The copy's packages, not the installed ones, must be the ones imported.
    environ = {**os.environ, "PYTHONPATH": str(root)}
    return subprocess.run(
        [str(lint), "--no-cache"], cwd=root, env=environ, capture_output=True, text=True
    )


def test_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Contracts: {CONTRACTS} kept, 0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "planted", "contract"),
    [
        # a view or a service enqueueing through workers: ged and workers in a cycle again
        ("ged/web/api/documents.py", "import workers.queue", "packages in layers"),
        ("ged/services/documents.py", "import workers.jobs", "packages in layers"),
        # the pipeline's plain functions reaching back into ged
        ("ingest/classify.py", "import ged.config", "packages in layers"),
        ("search/errors.py", "import ged.errors", "packages in layers"),
        ("ingest/text.py", "import search.query", "ingest, search and seda know nothing"),
        ("seda/__init__.py", "import ged.config", "packages in layers"),
        # Redis outside workers, a service reading the request, the CLI from a service
        ("ged/health.py", "import redis", "only workers imports RQ and Redis"),
        ("ged/services/acl.py", "import flask", "services and the domain know nothing"),
        ("ged/services/users.py", "import ged.bootstrap", "layers inside ged"),
        ("ged/audit/chain.py", "import ged.services.documents", "layers inside ged"),
    ],
)
def test_a_reintroduced_cycle_breaks_a_contract(tmp_path, module, planted, contract):
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    target = tmp_path / module
    target.write_text(target.read_text() + f"\n{planted}  # planted by the test\n")
    result = lint_imports(tmp_path)
    assert result.returncode != 0, result.stdout
    broken = [line for line in result.stdout.splitlines() if "BROKEN" in line]
    assert any(contract in line for line in broken), result.stdout
