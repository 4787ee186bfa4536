#!/usr/bin/env bash
# Installs Omni with its test extras into ./.venv (Python >= 3.11) and runs the whole suite:
# lint, types, schema check, migrations and the API tests on a real PostgreSQL
# (embedded unless DATABASE_URL is set).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'
exec .venv/bin/python -m pytest -q "$@"
