#!/usr/bin/env bash
# Command one of the README: set up this machine and run ged on its embedded
# defaults (SQLite, local blob store, local OpenSearch and Redis) until Ctrl-C.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash scripts/bootstrap.sh
python3 scripts/services.py ensure --profile dev opensearch redis >/dev/null
echo "OpenSearch and Redis: data and logs under $ROOT/var/dev/ (stop them with: python3 scripts/services.py stop --profile dev)" >&2
if [ -z "${GED_CONFIG:-}" ] && [ -z "${GED_AUDIT__TSA_URL:-}" ]; then
    # A trial run time-stamps its audit checkpoints with a local test TSA, to show how;
    # a real installation names its qualified TSA in its configuration file instead.
    tsa="$(python3 scripts/services.py ensure --profile dev tsa)"
    export GED_AUDIT__TSA_URL GED_AUDIT__TSA_CA_FILE
    GED_AUDIT__TSA_URL="$(python3 -c 'import json, sys; print(json.load(sys.stdin)["tsa_url"])' <<<"$tsa")"
    GED_AUDIT__TSA_CA_FILE="$(python3 -c 'import json, sys; print(json.load(sys.stdin)["tsa_ca_file"])' <<<"$tsa")"
    echo "Test time-stamping authority: $GED_AUDIT__TSA_URL (its CA: $GED_AUDIT__TSA_CA_FILE)" >&2
fi
exec .venv/bin/ged up "$@"
