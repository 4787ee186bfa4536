# The checks CI runs, for a developer's machine (venv in ./.venv).
# `make check` is scripts/test.sh (what .ci/run runs): it installs '.[test]' into .venv, then runs
# lint, format, types, imports, schema and test once each, in that order, stopping at the first
# failure. The other targets run one step each with the existing venv.
PY ?= .venv/bin/python

.PHONY: check lint format types imports schema test
check:
	bash scripts/test.sh

lint:
	$(PY) -m ruff check .

format:
	$(PY) -m ruff format --check .

types:
	$(PY) -m mypy

imports:
	$(dir $(PY))lint-imports

schema:
	$(PY) -m api.cli schema --check

test:
	$(PY) -m pytest -q
