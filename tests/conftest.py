"""Shared pytest configuration: hypothesis profiles and fixtures used by several files.

``ci`` (used when the CI variable is set) is derandomized so a red run reproduces;
``dev`` explores fresh examples on every run. Neither has a deadline: numba JIT
warm-up and a busy 2-core machine make per-example timings meaningless.
"""

import gc
import os
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
