#!/usr/bin/env bash
# Installs Omni with its test extras into ./.venv (Python >= 3.11) and runs every check once, in
# order, stopping at the first that fails:
#   ruff check, ruff format --check, mypy, lint-imports (the import contracts in pyproject.toml),
#   the schema.graphql check, then pytest: migrations and the API tests on a real PostgreSQL
#   (embedded unless DATABASE_URL is set), with the response cache off; then the catalog tests
#   again with the cache on (CATALOG_TESTS), so that none passes only because of the cache and
#   none fails because of it.
# Arguments go to the first pytest run; with arguments, the second run is skipped. `make check` runs this script; `make lint` etc. run single steps.
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
CATALOG_TESTS=(
  tests/test_catalog.py tests/test_catalog_admin.py tests/test_pagination.py
  tests/test_query_counts.py tests/test_stores.py tests/test_hours.py tests/test_stock_api.py
  tests/test_locations_admin.py tests/test_prices_api.py tests/test_price_book.py
  tests/test_shelf_prices.py tests/test_price_parity.py tests/test_http.py
  tests/test_response_cache.py
)
step test "$PY" -m pytest -q "$@"
if [ "$#" -eq 0 ]; then
  OMNI_TEST_RESPONSE_CACHE=1 step test-cached "$PY" -m pytest -q "${CATALOG_TESTS[@]}"
fi
