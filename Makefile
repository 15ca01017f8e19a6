# EHC engine: `make help` lists the targets.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export EHC_DATABASE_URL ?= sqlite:///./ehc.db


.DEFAULT_GOAL := help
.PHONY: help install assets run serve scheduler test pytest lint format golden bench clean lock

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(BIN)/ehc: pyproject.toml requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@# Every package at its locked version (requirements.lock): the same set each time.
	$(BIN)/pip install --quiet -c requirements.lock -e '.[dev]'
	@touch $(BIN)/ehc

lock: ## Re-lock every Python package (requirements.lock) from pyproject.toml, in a fresh venv
	rm -rf .lock-venv
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet -e '.[dev]'
	{ sed -n '1,3p' requirements.lock; .lock-venv/bin/pip freeze --exclude-editable; } > requirements.lock.new
	mv requirements.lock.new requirements.lock
	rm -rf .lock-venv

install: $(BIN)/ehc ## Create .venv and install the engine with its dev tools

# GOV.UK Frontend from npm (package-lock.json pins it), compiled with our styles.
STATIC := web/static
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

$(STATIC)/app.css: node_modules/.package-lock.json web/assets/app.scss web/assets/init.js
	mkdir -p $(STATIC)
	npx sass --pkg-importer=node --style=compressed --no-source-map web/assets/app.scss $(STATIC)/app.css
	cp node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.js web/assets/init.js $(STATIC)/

assets: $(STATIC)/app.css ## Build the web app's CSS and JavaScript (needs Node.js and npm)

# The port of `make run` and `make serve`: make run PORT=8010
PORT ?= 8000

run: install assets ## Demo: migrate SQLite, load demo cases and users, serve on :8000 (PORT=8010 for another)
	$(BIN)/ehc db upgrade
	$(BIN)/ehc demo load
	$(BIN)/ehc summary
	@echo
	@# The demo users' sign-ins are printed last, once the server answers.
	EHC_LOG_FORMAT=text $(BIN)/ehc serve --host 127.0.0.1 --port $(PORT) --demo-users

serve: install assets ## Serve the web app and scheduler on the configured database (PORT=8000)
	$(BIN)/ehc db upgrade
	$(BIN)/ehc serve --port $(PORT)

scheduler: install ## Run the scheduler process in the foreground
	$(BIN)/ehc db upgrade
	$(BIN)/ehc scheduler

test: install assets lint pytest ## Lint, type-check and run every test (PostgreSQL included)

pytest: install assets ## Run the test suite only
	$(BIN)/pytest

lint: install ## ruff, mypy and the import-layer contracts (lint-imports)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports

format: install ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

golden: install ## Check `ehc deadlines` against ../shared/golden/deadlines-v3 (spec v3)
	$(PYTHON) ../shared/golden/check_deadlines.py --ehc $(BIN)/ehc ../shared/golden/deadlines-v3/*.json

# Benchmarks (docs/performance.md): SCALE=council|national, SCENARIOS=breaches,kpis, BENCH_ARGS=--fresh
SCALE ?= council
.PHONY: bench-national
bench: install ## Benchmarks: council scale on SQLite, 50,000 cases (minutes)
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench.run --scale $(SCALE) $(if $(SCENARIOS),--scenarios $(SCENARIOS)) $(BENCH_ARGS)

bench-national: ## Benchmarks: national scale on PostgreSQL, 500,000 cases (first run ~30 min)
	$(MAKE) bench SCALE=national

.PHONY: bench-soak
bench-soak: install ## Concurrency soak: 50 officers, 3 min, on SQLite then PostgreSQL (SOAK_ARGS=...)
	$(BIN)/python -m bench.soak --db sqlite $(SOAK_ARGS)
	$(BIN)/python -m bench.soak --db postgresql $(SOAK_ARGS)

clean: ## Remove the virtual environment, caches and the demo database
	rm -rf $(VENV) node_modules $(STATIC) .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info ehc.db ehc.db-*
