"""Shared pytest configuration: hypothesis profiles and fixtures used by several files.

``ci`` (used when the CI variable is set) is derandomized so a red run reproduces;
``dev`` explores fresh examples on every run. Neither has a deadline: numba JIT
warm-up and a busy 2-core machine make per-example timings meaningless.
"""

import gc
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "ci",
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "dev", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile("ci" if os.environ.get("CI") else "dev")


def _warms_kernels(config: pytest.Config) -> bool:
    """Whether this is the controller of a multi-worker run on compiled kernels."""
    if hasattr(config, "workerinput"):  # an xdist worker
        return False
    workers = getattr(config.option, "numprocesses", None)
    if not isinstance(workers, int) or workers < 2:
        return False
    plain_python = ("NUMBA_DISABLE_JIT", "NUMBA_ENABLE_CUDASIM")
    return not any(os.environ.get(name) == "1" for name in plain_python)


def pytest_configure(config: pytest.Config) -> None:
    """Compile the suite's numba kernels in as many fresh processes as workers first.

    Workers that compile while they test run some compiles twice, and CPython
    3.11 then keeps mapping and unmapping frame-stack chunks (over 30 s of
    system time in ``test_backends.py`` alone). Compiled up front, the kernels
    come from numba's disk cache. A cold main suite on two workers, on the same
    busy machine: 216 s of CPU (8 s system) instead of 287 s (50 s system). On
    a quiet machine the warm-up takes 30-44 s (57-71 s of CPU); cached, 1.6 s.
    """
    if not _warms_kernels(config):
        return
    parts = config.option.numprocesses
    print(f"compiling numba kernels in {parts} processes (cached after the first run)")
    start = time.perf_counter()
    warmer = subprocess.run(
        [sys.executable, "-m", "tests._warm_kernels", str(parts)],
        cwd=config.rootpath,
        stderr=subprocess.PIPE,
        text=True,
        check=False,
    )
    if warmer.returncode != 0:  # the tests will then compile (and fail) anyway
        print(f"kernel warm-up failed:\n{warmer.stderr}", file=sys.stderr)
    print(f"kernels ready in {time.perf_counter() - start:.1f} s")


def pytest_collection_finish(session: pytest.Session) -> None:
    """Keep what collection imported out of every later garbage collection.

    Collection loads torch, matplotlib, hypothesis and every test module; once
    frozen, a full collection no longer walks them (the scalar, tensor-function
    and lecture tests: 31.4 → 29.0 s of CPU, 2 runs each, 2 cores, load 5-7).
    """
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def sentiment_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A quick ``minitorch train sentiment`` run directory, trained once per session."""
    from minitorch.cli import main

    out = tmp_path_factory.mktemp("sentiment") / "run"
    quick = ["--limit", "40", "--epochs", "1", "--threads", "1", "--quiet"]
    assert main(["train", "sentiment", *quick, "--out", str(out)]) == 0
    return out
