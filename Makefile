# Two entry points: `make demo` (the flagship regime against the baseline) and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
AGENTS ?= 100000
STEPS ?= 365
SEED ?= 7

.PHONY: demo test lint bench validate clean

$(VENV)/.base: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.dev: $(VENV)/.base
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $@

demo: $(VENV)/.base
	$(VENV)/bin/scoresim demo --agents $(AGENTS) --steps $(STEPS) --seed $(SEED) --out runs

lint: $(VENV)/.dev
	$(VENV)/bin/ruff check src tests benchmarks examples
	$(VENV)/bin/ruff format --check src tests benchmarks examples
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports  # the layers: [tool.importlinter] in pyproject.toml

# The browser tests drive Debian's chromium; install it where it is missing.
CHROMIUM := /usr/bin/chromium
$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "the browser tests need Debian's chromium at $@"; exit 1; }
	$$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $$( [ "$$(id -u)" = 0 ] || echo sudo ) apt-get install -y -qq chromium

test: lint $(CHROMIUM)
	$(VENV)/bin/pytest
	$(VENV)/bin/scoresim validate

validate: $(VENV)/.base
	$(VENV)/bin/scoresim validate --full

bench: $(VENV)/.base
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) runs .pytest_cache .mypy_cache .ruff_cache
