# Two commands a newcomer needs: `make run` and `make test`. Each sets itself up.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
DB     ?= data/crm.duckdb
PORT   ?= 8501
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test deps dev-deps system-deps demo check lint bench clean

run: deps  ## Run the dashboard (builds the demo bank if there is no store yet)
	@[ -f "$(DB)" ] || CRM_DB="$(DB)" $(PY) -m metrics demo --db "$(DB)"
	CRM_DB="$(DB)" $(PY) -m streamlit run app.py --server.port $(PORT)

test: dev-deps system-deps  ## Lint, type-check, check the layering and run every test (browser too)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

deps: $(VENV)/.deps-runtime
dev-deps: $(VENV)/.deps-dev

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.deps-runtime: requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install --disable-pip-version-check -q -r requirements.txt
	touch $@

$(VENV)/.deps-dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(PY) -m pip install --disable-pip-version-check -q -r requirements-dev.txt
	touch $(VENV)/.deps-runtime $@

system-deps:  ## Debian's chromium, a CJK font and poppler (the brief's tests read its PDF)
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'wqy' \
			|| ! command -v pdftotext >/dev/null 2>&1; then \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium fonts-wqy-microhei poppler-utils >/dev/null; \
	fi

demo: deps  ## Rebuild the demo bank from scratch
	rm -f "$(DB)"
	$(PY) -m metrics demo --db "$(DB)"

SIZES  ?= 20000,50000,200000

bench: dev-deps  ## Benchmarks at bank scale against issue 8's budgets (not part of `make test`)
	$(PY) -m benchmarks.run --sizes $(SIZES) $(if $(STORES),--stores $(STORES))

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache test-artifacts
