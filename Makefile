# Northline: `make demo` runs the default scenario, `make test` runs the whole suite.
# Both create .venv and install what the project needs on a fresh clone.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

# Reference data lives beside the repository (../shared/data) on development and CI machines;
# without it Northline falls back to its built-in 49th-parallel boundary.
SHARED_DATA := $(wildcard $(abspath ../shared/data))
ifneq ($(SHARED_DATA),)
export NORTHLINE_DATA_DIR ?= $(SHARED_DATA)
endif

# Servers the tests run for real (started by the tests themselves on free loopback ports), the
# browser the page's tests drive (Playwright with executablePath, never a downloaded one) and
# that prints the evidence report to PDF, and pdftoppm (poppler-utils) that checks its pages.
DEBS := mosquitto nats-server chromium poppler-utils

# The web page: web/ (TypeScript, MapLibre GL JS, Vite) built into src/northline/web/static/.
NPM       ?= npm
WEB_DEPS  := web/node_modules/.package-lock.json
WEB_BUILT := src/northline/web/static/index.html
WEB_SRC   := web/package.json web/index.html web/vite.config.ts web/tsconfig.json $(wildcard web/src/*)

.PHONY: demo test lint typecheck unit bench fuzz debs web clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP) debs web
	$(BIN)/northline demo

web: $(WEB_BUILT)

$(WEB_DEPS): web/package-lock.json
	cd web && $(NPM) ci --no-audit --no-fund
	@touch $@

$(WEB_BUILT): $(WEB_DEPS) $(WEB_SRC)
	cd web && $(NPM) run build
	@touch $@

lint: $(STAMP)
	$(BIN)/ruff check src tests $(wildcard benchmarks)
	$(BIN)/ruff format --check src tests $(wildcard benchmarks)

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) debs web
	$(BIN)/pytest

# Installs the Debian packages above when one is missing (as root, or through sudo).
debs:
	@missing=""; for p in $(DEBS); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "install ok installed" \
	    || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  echo "installing Debian packages:$$missing"; \
	  $$sudo apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# The decoders' fuzz tests at 20x the cases of `make test` (about 5 minutes).
fuzz: $(STAMP)
	NORTHLINE_FUZZ_CASES=2000000 NORTHLINE_FUZZ_EXAMPLES=2000 $(BIN)/pytest -q -s tests/test_fuzz.py

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python benchmarks/ingest.py
	$(BIN)/python benchmarks/live.py
	$(BIN)/python benchmarks/tracking.py

clean:
	rm -rf $(VENV) out .mypy_cache .ruff_cache .pytest_cache web/node_modules src/northline/web/static
