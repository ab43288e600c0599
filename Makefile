# Two entry points: `make demo` trains the lecture's network, `make test` checks everything.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test lint typecheck pytest bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/python -m minitorch train scalar --dataset Xor --pts 50 --hidden 10 \
		--lr 0.5 --epochs 500 --seed 0 --out runs/xor --force

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

# The second run executes the CUDA kernels on the CPU: numba's simulator must be
# chosen before numba loads, so it needs its own process (the first run skips that
# file when there is no GPU). Both runs use two worker processes (pytest-xdist).
# Before the first run's workers start, tests/conftest.py compiles the kernels it
# uses into numba's disk cache. On a quiet 2-core machine, from a fresh clone:
# 30-44 s compiling, 66-91 s of tests, then 52-62 s for the second run.
pytest: $(STAMP)
	$(BIN)/python -m pytest -q -n 2
	NUMBA_ENABLE_CUDASIM=1 $(BIN)/python -m pytest -q -n 2 tests/test_backends.py tests/test_cuda_ops.py tests/test_conv_cuda.py

test: lint typecheck pytest

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) runs .mypy_cache .ruff_cache .pytest_cache .hypothesis
