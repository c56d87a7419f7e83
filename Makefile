# A newcomer's one screen: `make run` starts opentrade on the built-in Yangpu instance, `make check` is the quick
# loop while working (lint, types, the fast tests), `make test` runs everything (what CI runs).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run check test lint types bench docs clean

$(BIN)/.installed: pyproject.toml $(wildcard package-lock.json)
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	if [ -f scripts/build_web_assets.sh ]; then bash scripts/build_web_assets.sh; fi
	touch $@

setup: $(BIN)/.installed          ## create .venv and install opentrade with its test tools

run: setup                         ## serve the cockpit on the Yangpu demo instance (SQLite) at http://127.0.0.1:8000
	$(BIN)/opentrade serve

# Tests run on both cores (pytest-xdist); `make test WORKERS=0` runs them in one process.
WORKERS ?= 2
XDIST := $(if $(filter 0,$(WORKERS)),,-n $(WORKERS))
# The PostgreSQL pass leaves out the browser tests (tests/web): they drive the same queries the API tests already
# run on PostgreSQL, and would add a minute. `make test PG_TEST_ARGS=` runs them there too.
PG_TEST_ARGS ?= --ignore=tests/web

# `make check` does not even collect the browser and fuzz modules (their imports alone take seconds).
CHECK_SKIP := --ignore=tests/web --ignore=tests/fuzz --ignore=tests/api/test_openapi_fuzz.py \
              --ignore=tests/api/test_openapi_stateful.py

check: lint types                  ## lint, types, then the fast tests on SQLite (no browser, fuzz, kill or PostgreSQL)
	$(BIN)/python -m pytest -q $(XDIST) -m "not slow" $(CHECK_SKIP)

test: setup                        ## the whole suite on SQLite files, then on PostgreSQL (a throwaway server)
	@rc=0; $(BIN)/python -m pytest -q $(XDIST) || rc=$$?; \
	if [ -n "$$OPENTRADE_TEST_POSTGRES_URL" ]; then \
	  echo "== the suite again on PostgreSQL (OPENTRADE_TEST_POSTGRES_URL)"; \
	  $(BIN)/python -m pytest -q $(XDIST) --database=postgresql $(PG_TEST_ARGS) || rc=$$?; \
	elif scripts/with_postgres.sh --available; then \
	  echo "== the suite again on PostgreSQL (a throwaway server: scripts/with_postgres.sh)"; \
	  scripts/with_postgres.sh $(BIN)/python -m pytest -q $(XDIST) --database=postgresql $(PG_TEST_ARGS) || rc=$$?; \
	else \
	  echo "PostgreSQL not installed: skipped the PostgreSQL pass (apt-get install postgresql)"; \
	fi; \
	exit $$rc

lint: setup                        ## ruff over the code, tests, benchmarks and scripts
	$(BIN)/ruff check src tests benchmarks scripts

types: setup                       ## mypy (check_untyped_defs) over src/ (settings in pyproject.toml)
	$(BIN)/mypy

bench: setup                       ## import benchmark: 1,000,000 firms vs pandas read_csv + to_sql
	$(BIN)/python benchmarks/bench_import.py --firms 1000000

docs: setup                        ## regenerate docs/import-columns.md from the import specs
	$(BIN)/python scripts/write_import_docs.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
