# ohr: `make run` sets up and crawls the sources of config.toml; `make test` sets up and runs every check.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-ohr

.PHONY: setup run test bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

# Crawl the configured sources into registry.duckdb, then print what the registry holds.
# Exit code 4 (a source unreachable, items failed, or work left pending) still prints the stats — the
# registry keeps everything it held and the next run finishes what is pending — then exits 4, so a
# script or CI sees that the crawl was not complete. A source skipped for a missing key is not a failure.
run: $(STAMP)
	@$(BIN)/ohr crawl; rc=$$?; \
	if [ $$rc -ne 0 ] && [ $$rc -ne 4 ]; then exit $$rc; fi; \
	$(BIN)/ohr stats || exit $$?; \
	if [ $$rc -eq 4 ]; then echo "note: the crawl was not complete (exit 4): see the lines above; run it again to finish" >&2; fi; \
	exit $$rc

# Lint, check the one-way layers (import-linter, [tool.importlinter] in pyproject.toml), then the whole test suite,
# one test process per core (pytest-xdist). The browser tests (tests/test_web.py) drive Debian's chromium:
# installed here when it is missing and apt-get is at hand (as root); otherwise they skip and say why.
test: $(STAMP)
	@if [ ! -x /usr/bin/chromium ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) \
	    >/dev/null 2>&1 || echo "could not install chromium: the browser tests will skip"; \
	fi
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n auto --dist worksteal

bench: $(STAMP)
	$(BIN)/python bench/normalizers.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
