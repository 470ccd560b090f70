#!/usr/bin/env bash
# Command one of the README: set up this machine and run ged on its embedded
# defaults (SQLite, local blob store, local OpenSearch and Redis) until Ctrl-C.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/bootstrap.sh
python3 scripts/services.py ensure --profile dev opensearch redis >/dev/null
echo "OpenSearch and Redis: data and logs under $ROOT/var/dev/ (stop them with: python3 scripts/services.py stop --profile dev)" >&2
exec .venv/bin/ged up "$@"
