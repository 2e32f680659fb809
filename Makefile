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

# pytest exits 5 when it collected no tests: for this project that is a broken suite, not a pass.
test: setup
	PREFECT_SERVER_ANALYTICS_ENABLED=false $(PY) -m pytest $(PYTEST_ARGS); \
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
