#!/usr/bin/env bash
# Command two of the README (and .ci/run): set up this machine and run the whole
# test suite against real OpenSearch, Redis, PostgreSQL and tesseract.
# Extra arguments go to pytest.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/bootstrap.sh
python3 scripts/services.py check
# Started once here so that the pytest workers find them up; the fixtures
# call the same idempotent script, so running pytest alone works too.
python3 scripts/services.py ensure --profile test opensearch redis postgres >/dev/null
exec .venv/bin/python -m pytest -n 2 "$@"
