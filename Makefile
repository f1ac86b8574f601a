# Everything runs inside .venv, created on first use with python3 -m venv + pip.
PYTHON ?= python3
VENV   := $(CURDIR)/.venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

export DAGSTER_HOME := $(CURDIR)/.dagster_home
export LINEAGE_HOME ?= $(CURDIR)/.lineage

.PHONY: demo serve test bench lint format install clean

# deploy/constraints.txt pins every runtime dependency as the image installs it, so the tests
# run against the very versions the image ships (the dev tools resolve around them).
$(STAMP): pyproject.toml deploy/constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --constraint deploy/constraints.txt -e '.[dev]'
	$(BIN)/python -m pip check
	@touch $@

install: $(STAMP)

## demo (the checkout's lineage_dev package): local AWS emulator seeded with pipelines and datasets, the sql_repo git remote, dagster dev on 127.0.0.1:3000 and the lineage API + viewer on 127.0.0.1:8300
demo: $(STAMP)
	$(BIN)/python -m lineage_dev demo

## serve: the read-only lineage API and viewer on 127.0.0.1:8300 over the published store
serve: $(STAMP)
	$(BIN)/lineage-assets serve

## test: the whole test suite (real DuckDB files, git repositories and a moto server)
test: $(STAMP)
	$(BIN)/python -m pytest -q -n 2

## bench: speed and memory benchmarks, printed as ratios against a reference measured in the same run
bench: $(STAMP)
	$(BIN)/python -m benchmarks

## lint: ruff (rules and format) and mypy over the packages listed in pyproject's [tool.mypy]
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .lineage
