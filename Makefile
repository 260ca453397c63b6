# nocta — run `make help` for the targets. Everything installs into .venv from requirements.lock.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export NOCTA_HOME ?= $(CURDIR)/var
export UV_COMPILE_BYTECODE := 1
# uv found on PATH, else the copy pip installs next to the system Python
UV := $(shell command -v uv 2>/dev/null || echo "$(PYTHON) -m uv")

.PHONY: help setup demo test lint bench lock clean distclean

# the JupyterHub (hub-setup, hub) and portal (serve) targets
-include hub_config/hub.mk
-include hub_config/portal.mk

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*?## "}; {printf "  \033[36mmake %-10s\033[0m %s\n", $$1, $$2}'

$(STAMP): requirements.lock pyproject.toml
	@command -v uv >/dev/null 2>&1 || $(PYTHON) -m uv --version >/dev/null 2>&1 || \
	  $(PYTHON) -m pip install --quiet uv
	@test -x $(BIN)/python || $(UV) venv --quiet --python $(PYTHON) $(VENV)
	$(UV) pip sync --quiet --python $(BIN)/python requirements.lock
	$(UV) pip install --quiet --python $(BIN)/python --no-deps -e .
	@# rfc3987-syntax builds a grammar on every import of jsonschema's users (1-2 s): not needed
	-@$(UV) pip uninstall --quiet --python $(BIN)/python rfc3987-syntax 2>/dev/null
	$(BIN)/python -m ipykernel install --sys-prefix --name nocta --display-name "nocta (Python 3.11)" >/dev/null
	@touch $@

setup: $(STAMP) ## Create .venv, install the locked stack, register the `nocta` Jupyter kernel

demo: setup ## Set up, then run the demo path on synthetic data and publish var/site/current
	@test -f "$${NOCTA_KEYS:-$(NOCTA_HOME)/keys}/pseudonym.key" || $(BIN)/nocta keys init --pseudonym
	$(BIN)/nocta demo

test: setup $(if $(wildcard hub_config/hub.mk),hub-setup) ## Set up, then run the test suite
	$(BIN)/python -m pytest

lint: setup ## ruff check and format check
	$(BIN)/ruff check src tests bench hub_config
	$(BIN)/ruff format --check src tests bench hub_config

bench: setup $(if $(wildcard hub_config/hub.mk),hub-setup) ## Print time and memory of the heavy jobs (compare as ratios in one run)
	$(BIN)/python bench/run.py

lock: ## Re-resolve requirements.lock from pyproject.toml (after changing a pin)
	$(UV) pip compile --quiet --python-version 3.11 pyproject.toml --extra dev -o requirements.lock --no-header

clean: ## Remove the demo data root (var/)
	rm -rf var

distclean: clean ## Also remove .venv
	rm -rf $(VENV)
