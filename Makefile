# The checks CI runs, in its order, for a developer's machine (venv in ./.venv).
PY ?= .venv/bin/python

.PHONY: check lint types schema test
check: lint types schema test

lint:
	$(PY) -m ruff check .

types:
	$(PY) -m mypy

schema:
	$(PY) -m api.cli schema --check

test:
	$(PY) -m pytest -q
