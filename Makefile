# A newcomer's one screen: `make run` starts opentrade on the built-in Yangpu instance, `make test` runs the tests.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup run test lint bench docs clean

$(BIN)/.installed: pyproject.toml $(wildcard package-lock.json)
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,bench]'
	if [ -f scripts/build_web_assets.sh ]; then bash scripts/build_web_assets.sh; fi
	touch $@

setup: $(BIN)/.installed          ## create .venv and install opentrade with its test tools

run: setup                         ## serve the cockpit on the Yangpu demo instance (SQLite) at http://127.0.0.1:8000
	$(BIN)/opentrade serve

# The PostgreSQL pass leaves out the browser tests (tests/web): they drive the same queries the API tests already
# run on PostgreSQL, and would add a minute. `make test PG_TEST_ARGS=` runs them there too.
PG_TEST_ARGS ?= --ignore=tests/web

test: setup                        ## the whole suite on SQLite files, then on PostgreSQL (a throwaway server)
	@rc=0; $(BIN)/python -m pytest -q || rc=$$?; \
	if [ -n "$$OPENTRADE_TEST_POSTGRES_URL" ]; then \
	  echo "== the suite again on PostgreSQL (OPENTRADE_TEST_POSTGRES_URL)"; \
	  $(BIN)/python -m pytest -q --database=postgresql $(PG_TEST_ARGS) || rc=$$?; \
	elif scripts/with_postgres.sh --available; then \
	  echo "== the suite again on PostgreSQL (a throwaway server: scripts/with_postgres.sh)"; \
	  scripts/with_postgres.sh $(BIN)/python -m pytest -q --database=postgresql $(PG_TEST_ARGS) || rc=$$?; \
	else \
	  echo "PostgreSQL not installed: skipped the PostgreSQL pass (apt-get install postgresql)"; \
	fi; \
	exit $$rc

lint: setup
	$(BIN)/ruff check src tests benchmarks scripts

bench: setup                       ## import benchmark: 1,000,000 firms vs pandas read_csv + to_sql
	$(BIN)/python benchmarks/bench_import.py --firms 1000000

docs: setup                        ## regenerate docs/import-columns.md from the import specs
	$(BIN)/python scripts/write_import_docs.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
