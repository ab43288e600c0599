"""Shared pytest configuration: hypothesis profiles.

``ci`` (used when the CI variable is set) is derandomized so a red run reproduces;
``dev`` explores fresh examples on every run. Neither has a deadline: numba JIT
warm-up and a busy 2-core machine make per-example timings meaningless.
"""

import os

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
