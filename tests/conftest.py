"""Shared pytest configuration: hypothesis profiles and fixtures used by several files.

``ci`` (used when the CI variable is set) is derandomized so a red run reproduces;
``dev`` explores fresh examples on every run. Neither has a deadline: numba JIT
warm-up and a busy 2-core machine make per-example timings meaningless.
"""

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


@pytest.fixture(scope="session")
def sentiment_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A quick ``minitorch train sentiment`` run directory, trained once per session."""
    from minitorch.cli import main

    out = tmp_path_factory.mktemp("sentiment") / "run"
    quick = ["--limit", "40", "--epochs", "1", "--threads", "1", "--quiet"]
    assert main(["train", "sentiment", *quick, "--out", str(out)]) == 0
    return out
