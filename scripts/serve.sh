#!/usr/bin/env bash
# Installs Omni into ./.venv (Python >= 3.11) and serves it with the demo data on
# http://127.0.0.1:8000/graphql (embedded PostgreSQL in ./.omni unless DATABASE_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e .
exec .venv/bin/omni serve "$@"
