"""The Network page: the lecture network's parameters, set by hand, and what they do.

Each request builds the lecture's ``Network`` (two ReLU units ``unit1``, ``unit2``
feeding ``unit3``) from a seed, or takes the Train tab's last lecture run, sets
the parameters the sliders changed, and answers with the parameter list, the
decision regions, and every point's hidden values ``(h1, h2)`` before ReLU (the
page applies ReLU to show the fold). ``figure_png`` draws the same network with
the lecture's own pictures (``lecture.figures``).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from ..autodiff import no_grad
from ..datasets import datasets
from ..lecture.figures import (
    final_split_figure,
    hidden_figure,
    png_bytes,
    split_figure,
)
from ..lecture_network import WEIGHTS, Network
from ..scalar import Scalar
from ..train.config import ConfigError, TrainConfig, is_integer, is_number
from ..train.families import get_family
from ..train.fit import State, load_data
from ..train.scalar_model import LECTURE_HIDDEN
from .boundary import boundary_payload
from .guard import bad_request

HIDDEN_UNITS = ("unit1", "unit2")
FIGURES = ("split-unit1", "split-unit2", "hidden-before", "hidden-after", "final-split")
MAX_POINTS = 200
MAX_WEIGHT = 100.0
GRID = 32


def _int(
    request: Mapping[str, Any], name: str, default: int, low: int, high: int
) -> int:
    value = request.get(name, default)
    if not is_integer(value) or not low <= value <= high:
        raise bad_request(
            f"{name} must be an integer from {low} to {high}, got {value!r}"
        )
    return value


def lecture_config(request: Mapping[str, Any]) -> TrainConfig:
    """The lecture network's config for the page's dataset, points and seed."""
    dataset = request.get("dataset", "Xor")
    if dataset not in datasets:
        raise bad_request(
            f"unknown dataset {dataset!r}; choose one of {', '.join(datasets)}"
        )
    try:
        return TrainConfig(
            model="scalar",
            network="lecture",
            hidden=LECTURE_HIDDEN,
            dataset=dataset,
            pts=_int(request, "pts", 50, 1, MAX_POINTS),
            seed=_int(request, "seed", 0, 0, 2**31),
        ).validated()
    except ConfigError as e:
        raise bad_request(str(e)) from None


def lecture_model(
    request: object, trained: tuple[State, TrainConfig] | None = None
) -> tuple[Network, TrainConfig, bool]:
    """The lecture network ``request`` asks for, its config, and whether it was trained.

    ``request``: ``{"dataset", "pts", "seed", "overrides": {name: value},
    "use_trained": bool}``. ``trained`` is the Train tab's last lecture run
    (weights and config, data included), used when ``use_trained`` is set.
    """
    if not isinstance(request, Mapping):
        raise bad_request("the request must be a JSON object")
    use_trained = bool(request.get("use_trained")) and trained is not None
    config = trained[1] if use_trained and trained else lecture_config(request)
    model = get_family("scalar").build(config)
    state = dict(trained[0]) if use_trained and trained else model.state_dict()
    overrides = request.get("overrides", {})
    if not isinstance(overrides, Mapping):
        raise bad_request("overrides must be an object of parameter name → number")
    for name, value in overrides.items():
        if name not in state:
            raise bad_request(f"no parameter named {str(name)[:40]!r} in this network")
        if not is_number(value):
            raise bad_request(f"{name} must be a number, got {value!r}")
        if not math.isfinite(value) or abs(value) > MAX_WEIGHT:
            raise bad_request(f"{name} must be a finite number within ±{MAX_WEIGHT:g}")
        state[name] = np.array(float(value))
    model.load_state_dict(state)
    assert isinstance(model, Network)
    return model, config, use_trained


def network_payload(
    request: object, trained: tuple[State, TrainConfig] | None = None
) -> dict[str, Any]:
    """The Network page's picture data for ``request`` (see the module docstring).

    ``request``: as ``lecture_model``'s, plus ``"unit": "unit1" | "unit2"``.
    """
    model, config, use_trained = lecture_model(request, trained)
    assert isinstance(request, Mapping)
    unit = request.get("unit", HIDDEN_UNITS[0])
    if unit not in HIDDEN_UNITS:
        raise bad_request(
            f"unit must be one of {', '.join(HIDDEN_UNITS)}, got {unit!r}"
        )
    family = get_family("scalar")
    data = load_data(config)
    regions = boundary_payload(data, lambda pts: family.predict(model, pts), GRID)
    with no_grad():
        hidden = [
            [h.data for h in model.hidden((Scalar(x_1), Scalar(x_2)))]
            for x_1, x_2 in data.X
        ]
    return {
        "config": config.to_dict(),
        "parameters": [
            [name, float(p.value.data)] for name, p in model.named_parameters()
        ],
        "unit": unit,
        "unit_names": [f"{unit}.{w}" for w in WEIGHTS],
        "boundary": regions,
        "hidden": hidden,
        "from_training": use_trained,
    }


def figure_png(
    request: object, trained: tuple[State, TrainConfig] | None = None
) -> bytes:
    """One of the lecture's drawings (``FIGURES``) for the page's weights, as PNG.

    ``request``: as ``lecture_model``'s, plus ``"figure"``, one of ``FIGURES``.
    """
    model, config, _ = lecture_model(request, trained)
    assert isinstance(request, Mapping)
    name = request.get("figure")
    if name not in FIGURES:
        raise bad_request(f"figure must be one of {', '.join(FIGURES)}, got {name!r}")
    data = load_data(config)
    drawings = {
        "split-unit1": lambda: split_figure(model, data, "unit1"),
        "split-unit2": lambda: split_figure(model, data, "unit2"),
        "hidden-before": lambda: hidden_figure(model, data, after_relu=False),
        "hidden-after": lambda: hidden_figure(model, data, after_relu=True),
        "final-split": lambda: final_split_figure(model, data),
    }
    return png_bytes(drawings[name]())
