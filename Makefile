# Quick start targets (README): `make demo` and `make test` each set up .venv first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup demo test test-all lint wheel-check bench clean

$(BIN)/jpegzoo: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/jpegzoo

demo: setup
	$(BIN)/jpegzoo demo --out demo_out

test: setup
	$(BIN)/python -m pytest -q

test-all: setup
	$(BIN)/python -m pytest -q -m ''

lint: setup
	$(BIN)/ruff check .

wheel-check: setup
	$(BIN)/python .ci/check_wheel.py

bench: setup
	$(BIN)/python benchmarks/baseline_writer/run.py

clean:
	rm -rf $(VENV) demo_out build *.egg-info
