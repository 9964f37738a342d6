# The two commands a user needs: `make demo` (whole flywheel on the embedded model, CPU) and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup test test-fast demo bench lint clean

setup: $(STAMP)

# Re-runs only when the pins change; torch is pinned first so pip takes the local CPU build, not CUDA wheels.
$(STAMP): pyproject.toml constraints.txt
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -c constraints.txt -e '.[dev]'
	touch $(STAMP)

# Two workers (pytest-xdist): most tests wait on subprocesses and servers, so two halve the wall time on 2 cores.
TEST_WORKERS ?= 2

test: setup
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) tests

test-fast: setup
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) -m "not slow" tests

demo: setup
	$(BIN)/python -m tracewheel.demo

bench: setup
	$(BIN)/python -m benchmarks.ingest
	$(BIN)/python -m benchmarks.curate
	$(BIN)/python -m benchmarks.train

# Import contracts are checked on the installed layout (tracewheel.collector, ...), built into build/lint-site
# (build/lib is setuptools' scratch copy: a stale one would ship modules that no longer exist).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	rm -rf build/lint-site build/lib
	$(BIN)/pip install -q --no-deps --no-build-isolation --no-compile --target build/lint-site . 2>/dev/null
	cd build/lint-site && ../../$(BIN)/lint-imports --config ../../pyproject.toml

clean:
	rm -rf $(VENV) build *.egg-info
