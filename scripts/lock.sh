#!/usr/bin/env bash
# Regenerate requirements.lock: every Python package ged and its tests install, pinned with
# the hashes of its files, so that a fresh machine installs exactly what CI tested.
# Run after changing the dependencies in pyproject.toml, and commit the result.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
# The build backend is locked too: bootstrap installs ged without build isolation.
exec .venv/bin/uv pip compile pyproject.toml scripts/build-requirements.txt \
    --extra test --generate-hashes --python-version 3.11 --no-header \
    --output-file requirements.lock "$@"
