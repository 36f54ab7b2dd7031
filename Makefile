# Everything runs in a local virtual environment (.venv), created and filled on first use.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
PLUGINS := $(wildcard plugins/*/pyproject.toml)
DEMO_OUT ?= demo-out

.PHONY: demo test test-fast lint bench clean install

$(STAMP): pyproject.toml $(PLUGINS) plugins/kapnotes-fhir/tests/engine/package-lock.json
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,encryption]' $(foreach p,$(dir $(PLUGINS)),-e './$(p)[test]')
	# The real FHIR engine of the kapnotes-fhir tests (Medplum, pinned by its lock file), when npm exists.
	if command -v npm >/dev/null 2>&1; then npm ci --silent --no-audit --no-fund --prefix plugins/kapnotes-fhir/tests/engine; fi
	touch $(STAMP)

install: $(STAMP)

## demo: build the synthetic clinic (SQLite) and its notes in $(DEMO_OUT)/
demo: $(STAMP)
	$(BIN)/kapnotes demo --out $(DEMO_OUT)

TESTS  := tests $(foreach p,$(dir $(PLUGINS)),$(p)tests)
# Byte-code, and pytest's rewritten test modules, are kept under .venv/pycache (outside the source
# tree) even where PYTHONDONTWRITEBYTECODE is set: without them every test process, and every
# `kapnotes` the tests start, compiles kapnotes and the test modules again.
PYCACHE := env PYTHONDONTWRITEBYTECODE= PYTHONPYCACHEPREFIX=$(CURDIR)/$(VENV)/pycache
# One pytest worker per core (pytest-xdist); `PYTEST_WORKERS=0 make test` runs in one process.
PYTEST_WORKERS ?= auto

## test: run the whole test suite (core and first-party plugins); prints the slowest tests
test: $(STAMP)
	$(PYCACHE) $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) --durations=15 $(TESTS)

## test-fast: the inner loop: everything but the tests marked slow (LibreOffice, FHIR engine, faults)
test-fast: $(STAMP)
	$(PYCACHE) $(BIN)/python -m pytest -q -n $(PYTEST_WORKERS) -m "not slow" $(TESTS)

## lint: ruff, mypy (strict) over kapnotes and over every first-party plugin
lint: $(STAMP)
	$(BIN)/ruff check src tests plugins examples benchmarks
	$(BIN)/mypy
	$(BIN)/mypy --strict $(foreach p,$(dir $(PLUGINS)),$(p)src)

## bench: the side-by-side benchmarks (not part of the tests)
bench: $(STAMP)
	$(BIN)/python benchmarks/run_all.py

clean:
	rm -rf $(VENV) $(DEMO_OUT) .pytest_cache .mypy_cache .ruff_cache
