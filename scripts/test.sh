#!/usr/bin/env bash
# Command two of the README (and .ci/run): set up this machine, check lint, formatting
# and types, and run the whole test suite against real OpenSearch, Redis, PostgreSQL,
# Keycloak and tesseract (import contracts: tests/test_architecture.py). Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/bootstrap.sh
# Habits first, in seconds: lint, formatting, types (ged/services, ingest, search).
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy
python3 scripts/services.py check
# The PDF/A validator of the tests (Maven Central, cached): fetched once, not by each worker.
python3 scripts/verapdf.py install >/dev/null
# Started once here so that the pytest workers find them up; the fixtures
# call the same idempotent script, so running pytest alone works too.
python3 scripts/services.py ensure --profile test opensearch redis postgres tsa keycloak dovecot s3proxy >/dev/null
# The multi-host fault test (marker multihost, left out of the suite by pyproject's addopts:
# two to three minutes, and an OpenSearch cluster and an S3 server of its own) runs alone after
# the whole suite; `scripts/test.sh --multihost [PYTEST ARGS]` runs only it.
MULTIHOST=(.venv/bin/python -m pytest -n 0 -m multihost tests/test_multihost.py)
if [[ "${1:-}" == "--multihost" ]]; then
  shift
  exec "${MULTIHOST[@]}" "$@"
fi
.venv/bin/python -m pytest -n 2 "$@"
if [[ $# -eq 0 ]]; then
  exec "${MULTIHOST[@]}"
fi
