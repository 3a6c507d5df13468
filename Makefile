# Every target sets itself up: a fresh clone needs only python3 (3.11+) and make.
# Installs come from requirements/lock.txt (exact versions with hashes); `make lock` refreshes it.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LOCK := requirements/lock.txt
UV_VERSION := 0.13.9
DEMO := scenarios/demo/demo.yaml
# pytest spreads the test files over this many processes (pytest-xdist; `auto`: one a core);
# each file runs whole in one of them (pyproject.toml's addopts), so its module fixtures are
# built once. `make test WORKERS=0` runs the suite in a single process.
WORKERS ?= auto

.PHONY: demo test lint bench bench-full lock clean

$(STAMP): pyproject.toml $(LOCK)
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --require-hashes --only-binary :all: -r $(LOCK)
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Resolves pyproject.toml's ranges (with the dev extra and the build backend) for every
# platform and Python 3.11+ into exact, hashed pins.
lock:
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet uv==$(UV_VERSION)
	$(BIN)/uv pip compile pyproject.toml requirements/build.in --extra dev --universal \
		--python-version 3.11 --generate-hashes --index-url https://pypi.org/simple \
		--custom-compile-command 'make lock' --upgrade -o $(LOCK)

demo: $(STAMP)
	$(BIN)/lcm-opt compare $(DEMO)

test: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy
	$(BIN)/pytest -n $(WORKERS)

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --sizes S M

bench-full: $(STAMP)
	$(BIN)/python benchmarks/run.py --sizes S M L XL C-S C-M

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
