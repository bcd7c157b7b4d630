# The whole set-up on a fresh machine is `make run` or `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test bench lint services soak

install: $(STAMP)

$(STAMP): pyproject.toml setup.cfg
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: install
	$(BIN)/product-service init
	@echo "Serving on http://$(HOST):$(PORT)/api/v1 -- get a token in another terminal with:"
	@echo "  TOKEN=\$$($(BIN)/product-service token --user you --role admin)"
	$(BIN)/product-service serve --host $(HOST) --port $(PORT)

services:
	./scripts/ensure-services

lint: install
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/ruff check domain application adapters entrypoints tests

test: install services
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2 tests --ignore=tests/bench

bench: install services
	command -v wrk >/dev/null || (apt-get update -q && apt-get install -y -q wrk)
	$(BIN)/python -m tests.bench

soak: install services
	$(BIN)/python -m tests.soak --minutes 5 $(SOAK_ARGS)
