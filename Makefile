# Every target first makes sure .venv matches pyproject.toml (idempotent: pip runs again
# only when pyproject.toml changed or the venv is missing).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lab build check site lint format clean venv system-deps

venv: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11+ needed"' \
	  || { echo "Python 3.11 or newer is required (set PYTHON=...)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV) \
	  || { echo "could not create a venv: on Debian, apt-get install python3-venv"; exit 1; }
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@$(MAKE) --no-print-directory system-deps
	@touch $(STAMP)

# Debian's chromium drives the browser tests through Playwright (no browser download);
# bubblewrap is the grading sandbox (without it `nncourse grade` warns and runs unsandboxed);
# postgresql is the server the `--db postgresql://` tests start on a loopback port.
# Installed when we are root with apt; otherwise the tests that need them say why they skip.
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v bwrap >/dev/null 2>&1 || missing="$$missing bubblewrap"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q $$missing; \
	  else echo "note: missing$$missing and not root: the tests that need them will be skipped"; fi; \
	fi

demo: $(STAMP)
	$(BIN)/nncourse demo

test: $(STAMP)
	$(BIN)/python -m pytest -n 2 --dist loadgroup

build: $(STAMP)
	$(BIN)/nncourse build

check: $(STAMP)
	$(BIN)/nncourse build --check

# The self-study site: every solved lesson executed, as static HTML (open site/index.html).
site: $(STAMP)
	$(BIN)/nncourse site --out site

lab: $(STAMP)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 $(BIN)/jupyter lab --notebook-dir=assignments $(if $(filter 0,$(shell id -u)),--allow-root)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/nbstripout --keep-id --verify solutions/*/*.ipynb assignments/*/*.ipynb

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/nbstripout --keep-id solutions/*/*.ipynb

clean:
	rm -rf $(VENV) autograder/.gradebook .pytest_cache tests/artifacts site
