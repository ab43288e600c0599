"""Turn the Train form's JSON into a checked ``TrainConfig`` (or a ``ConfigError``).

Besides ``TrainConfig``'s own checks, the web app caps the sizes so one click cannot
keep a shared machine busy for hours.
"""

from __future__ import annotations

from collections.abc import Mapping

from ..train.config import ConfigError, TrainConfig
from ..train.families import get_family
from .jobs import ops_per_point, python_level

FORM_FIELDS = (
    "model",
    "dataset",
    "pts",
    "hidden",
    "lr",
    "epochs",
    "seed",
    "optimizer",
    "backend",
    "network",
)
LIMITS: dict[str, int] = {"pts": 1000, "hidden": 100, "epochs": 100_000}
# Weight multiplications a whole Python-level run may cost (about an hour here).
MAX_RUN_OPS = 2_000_000_000


def config_from_form(form: object) -> TrainConfig:
    """The validated config the form describes; absent fields keep their defaults.

    Raises:
        ConfigError: for unknown fields, wrong types or values out of range.
    """
    if not isinstance(form, Mapping):
        raise ConfigError("the request body must be a JSON object of form fields")
    unknown = sorted(str(k) for k in form if k not in FORM_FIELDS)
    if unknown:
        raise ConfigError(
            f"unknown fields {unknown}; expected some of {', '.join(FORM_FIELDS)}"
        )
    for name in ("model", "dataset", "optimizer", "backend", "network"):
        if name in form and not isinstance(form[name], str):
            raise ConfigError(f"{name} must be a string, got {form[name]!r}")
    seed = form.get("seed", 0)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ConfigError(f"seed must be an integer, got {seed!r}")
    config = TrainConfig.from_dict(dict(form))
    get_family(config.model)
    for name, limit in LIMITS.items():
        value = getattr(config, name)
        if value > limit:
            raise ConfigError(f"{name} must be at most {limit} here, got {value}")
    if python_level(config):
        ops = config.epochs * config.pts * ops_per_point(config)
        if ops > MAX_RUN_OPS:
            raise ConfigError(
                f"epochs × points × (hidden² + 3·hidden) = {ops:.2g} is more than the "
                f"{MAX_RUN_OPS:.0e} this app runs in Python; use fewer epochs, points "
                "or hidden units (or the fast backend)"
            )
    return config
