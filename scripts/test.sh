#!/usr/bin/env bash
# Installs Omni with its test extras into ./.venv (Python >= 3.11) and runs every check once, in
# order, stopping at the first that fails:
#   ruff check, ruff format --check, mypy, lint-imports (the import contracts in pyproject.toml),
#   the schema.graphql check, then pytest: migrations and the API tests on a real PostgreSQL
#   (embedded unless DATABASE_URL is set).
# Arguments go to pytest. `make check` runs this script; `make lint` etc. run single steps.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e '.[test]'

PY=.venv/bin/python

step() {
  local name="$1"
  shift
  echo "==> $name: $*"
  local rc=0
  "$@" || rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "FAILED at step '$name' (exit $rc): $*" >&2
    exit "$rc"
  fi
}

step lint "$PY" -m ruff check .
step format "$PY" -m ruff format --check .
step types "$PY" -m mypy
step imports .venv/bin/lint-imports
step schema "$PY" -m api.cli schema --check
step test "$PY" -m pytest -q "$@"
