# pabrik: two commands to start, `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
BASE := $(VENV)/.installed-base
STAMP := $(VENV)/.installed-dev
PORT ?= 8000

.PHONY: demo test test-all lint typecheck layers unit bench system-deps clean check-python

check-python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
	  echo "pabrik needs Python 3.11 or newer; '$(PYTHON)' is $$($(PYTHON) --version 2>&1)."; \
	  echo "Install a newer Python, or run: make demo PYTHON=python3.12"; exit 1; }
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  echo "Python's venv module is missing. On Debian/Ubuntu: sudo apt-get install python3-venv"; \
	  exit 1; }

# The demo needs only the runtime packages; tests add the development tools.
$(BASE): pyproject.toml | check-python
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $(BASE)

$(STAMP): $(BASE)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(BASE)
	$(BIN)/pabrik demo --port $(PORT)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

# Tests talk to real peers: Debian's Chromium, Mosquitto, PostgreSQL and poppler's pdftotext.
# WeasyPrint (PDF reports) wants HarfBuzz's subsetter to embed small fonts.
# Install whichever is missing when we are root; otherwise say what to install.
SYSTEM_DEPS := chromium:chromium mosquitto:mosquitto pdftotext:poppler-utils pg_ctlcluster:postgresql
SYSTEM_LIBS := libharfbuzz-subset.so.0:libharfbuzz-subset0
system-deps:
	@missing=""; for pair in $(SYSTEM_DEPS); do \
	  cmd=$${pair%%:*}; pkg=$${pair##*:}; \
	  command -v $$cmd >/dev/null 2>&1 || missing="$$missing $$pkg"; done; \
	for pair in $(SYSTEM_LIBS); do \
	  lib=$${pair%%:*}; pkg=$${pair##*:}; \
	  ldconfig -p | grep -q "$$lib" || missing="$$missing $$pkg"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    echo "installing:$$missing"; apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else echo "missing system packages:$$missing (sudo apt-get install$$missing)"; fi; fi

# Tests run on WORKERS processes (pytest-xdist), a test file at a time per worker, so a file's
# module fixtures (a web app, a browser) are built once. Each worker starts its own PostgreSQL
# and Mosquitto. Three workers on two cores: about a third of the suite's time is spent waiting
# on servers, browsers and kills, which a third worker fills (16.0 against 19.5 min, same load).
# One file serially: .venv/bin/pytest tests/some/test_file.py (no -n).
# Outside CI the tests marked slow (fuzzing, kills and restarts, soaks) are left out, which
# keeps `make test` under 20 minutes on a slow 2-core machine; CI (CI=true) and `make test-all`
# run every test.
WORKERS ?= 3
SLOW := $(if $(filter true 1,$(CI)),,-m "not slow")
unit: $(STAMP) system-deps
	@test -z '$(SLOW)' || echo "make test: tests marked slow are left out outside CI; make test-all runs them"
	$(BIN)/pytest -n $(WORKERS) --dist loadfile $(SLOW)

# The quick checks first; then mypy alongside the tests, as the tests leave a core idle while
# they wait on their servers. Any failure still fails `make test`.
test: lint layers
	$(MAKE) --no-print-directory -j2 typecheck unit

test-all:
	$(MAKE) --no-print-directory test CI=true

bench: $(BASE)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .hypothesis
