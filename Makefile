# EHC engine: `make help` lists the targets.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
export EHC_DATABASE_URL ?= sqlite:///./ehc.db

# The 12 full months before this one, for the scorecard hint after `make run`.
KPI_TO := $(shell date -d "$$(date +%Y-%m-01) -1 month" +%Y-%m)
KPI_FROM := $(shell date -d "$$(date +%Y-%m-01) -12 months" +%Y-%m)

.DEFAULT_GOAL := help
.PHONY: help install run scheduler test pytest lint format golden bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-9s %s\n", $$1, $$2}'

$(BIN)/ehc: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	@touch $(BIN)/ehc

install: $(BIN)/ehc ## Create .venv and install the engine with its dev tools

run: install ## Migrate the SQLite database, load demo cases, show them
	$(BIN)/ehc db upgrade
	$(BIN)/ehc demo load
	$(BIN)/ehc summary
	@echo
	$(BIN)/ehc breaches --due-within 7
	@echo
	@echo "Next: $(BIN)/ehc case show DEMO00001"
	@echo "      $(BIN)/ehc kpi --from $(KPI_FROM) --to $(KPI_TO) --format html --output kpi.html"
	@echo "      make scheduler   (the daily sweep and monthly export; Ctrl-C stops it)"
	@echo "Database: $(EHC_DATABASE_URL)"

scheduler: install ## Run the scheduler process in the foreground
	$(BIN)/ehc db upgrade
	$(BIN)/ehc scheduler

test: install lint pytest ## Lint, type-check and run every test (PostgreSQL included)

pytest: install ## Run the test suite only
	$(BIN)/pytest

lint: install ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: install ## Format the code with ruff
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

golden: install ## Check `ehc deadlines` against ../shared/golden
	$(PYTHON) ../shared/golden/check_deadlines.py --ehc $(BIN)/ehc

bench: install ## Run the benchmarks in bench/ (minutes)
	@for f in bench/bench_*.py; do echo "== $$f"; $(BIN)/python $$f || exit 1; done

clean: ## Remove the virtual environment, caches and the demo database
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info ehc.db ehc.db-*
