# The two commands of the README: `make demo` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: setup demo test lint bench clean-demo

setup:
	VENV=$(VENV) ./scripts/setup.sh

demo:
	WITH_BROWSER=0 VENV=$(VENV) ./scripts/setup.sh
	VENV=$(VENV) ./scripts/demo.sh

# The test command checks the habits first (lint, format, types; the import contract is a
# test), then runs the suite with the real services required: a missing PostgreSQL, chromium
# or moto server fails the run instead of skipping (REQUIRE_SERVICES=0 to run without them).
# pytest exits 5 when it collected no tests: for this project that is a broken suite, not a pass.
REQUIRE_SERVICES ?= 1
test: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	EVIDENCE_TEST_REQUIRE_SERVICES=$(REQUIRE_SERVICES) PREFECT_SERVER_ANALYTICS_ENABLED=false \
	$(PY) -m pytest $(PYTEST_ARGS); \
	rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make test: pytest collected no tests" >&2; exit 1; fi; \
	exit $$rc

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

bench: setup
	$(PY) benchmarks/ingest.py

clean-demo:
	rm -rf demo-home demo-dock demo-bundle
