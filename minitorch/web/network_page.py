"""The Network page: the lecture network's parameters, edited by hand, and what they do.

Each request builds the scalar ``Network`` from a seed (or takes the Train tab's
weights), sets the parameters the sliders changed, and answers with the parameter
list, the decision regions, and the data in the coordinates of two first-layer
units before ReLU (the page applies ReLU to show the fold).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import numpy as np

from ..autodiff import no_grad
from ..datasets import datasets
from ..module import Module
from ..scalar import Scalar
from ..train.config import ConfigError, TrainConfig
from ..train.families import get_family
from ..train.fit import State, load_data
from .boundary import boundary_payload
from .guard import HTTPError

MAX_HIDDEN = 10
MAX_POINTS = 200
GRID = 24


def _bad(message: str) -> HTTPError:
    return HTTPError(HTTPStatus.BAD_REQUEST, message)


def _int(
    request: Mapping[str, Any], name: str, default: int, low: int, high: int
) -> int:
    value = request.get(name, default)
    if (
        isinstance(value, bool)
        or not isinstance(value, int)
        or not low <= value <= high
    ):
        raise _bad(f"{name} must be an integer from {low} to {high}, got {value!r}")
    return value


def unit_names(unit: int) -> tuple[str, str, str]:
    """The parameters of first-layer unit ``unit``: its two weights and its bias."""
    return (
        f"layer1.weight_0_{unit}",
        f"layer1.weight_1_{unit}",
        f"layer1.bias_{unit}",
    )


def network_payload(
    request: object, trained: tuple[State, TrainConfig] | None = None
) -> dict[str, Any]:
    """The Network page's picture data for ``request`` (see the module docstring).

    ``request``: ``{"dataset", "pts", "seed", "hidden", "unit", "other",
    "overrides": {name: value}, "use_trained": bool}``. ``trained`` is the Train
    tab's latest scalar run (weights and config, data included), used when
    ``use_trained`` is set.
    """
    if not isinstance(request, Mapping):
        raise _bad("the request must be a JSON object")
    use_trained = bool(request.get("use_trained")) and trained is not None
    if use_trained and trained is not None:
        config = trained[1]
    else:
        dataset = request.get("dataset", "Xor")
        if dataset not in datasets:
            raise _bad(
                f"unknown dataset {dataset!r}; choose one of {', '.join(datasets)}"
            )
        config = TrainConfig(
            model="scalar",
            dataset=dataset,
            pts=_int(request, "pts", 50, 1, MAX_POINTS),
            hidden=_int(request, "hidden", 4, 1, MAX_HIDDEN),
            seed=_int(request, "seed", 0, 0, 2**31),
        )
        try:
            config = config.validated()
        except ConfigError as e:
            raise _bad(str(e)) from None
    hidden = config.hidden
    unit = _int(request, "unit", 0, 0, hidden - 1)
    other = _int(request, "other", min(1, hidden - 1), 0, hidden - 1)
    family = get_family("scalar")
    model = family.build(config)
    state = dict(trained[0]) if use_trained and trained else model.state_dict()
    overrides = request.get("overrides", {})
    if not isinstance(overrides, Mapping):
        raise _bad("overrides must be an object of parameter name → number")
    for name, value in overrides.items():
        if name not in state:
            raise _bad(f"no parameter named {name!r} in this network")
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _bad(f"{name} must be a number, got {value!r}")
        if not math.isfinite(value) or abs(value) > 100:
            raise _bad(f"{name} must be a finite number within ±100, got {value!r}")
        state[name] = np.array(float(value))
    model.load_state_dict(state)
    data = load_data(config)
    regions = boundary_payload(data, lambda pts: family.predict(model, pts), GRID)
    return {
        "config": config.to_dict(),
        "parameters": [
            [name, float(p.value.data)] for name, p in model.named_parameters()
        ],
        "unit": unit,
        "other": other,
        "unit_names": list(unit_names(unit)),
        "boundary": regions,
        "hidden": _first_layer(model, data.X, (unit, other)),
        "from_training": use_trained,
    }


def _first_layer(
    model: Module, points: list[tuple[float, float]], units: tuple[int, int]
) -> list[list[float]]:
    """Pre-ReLU values of the two first-layer ``units`` at every point."""
    out = []
    with no_grad():
        for x_1, x_2 in points:
            first = model.hidden_activations((Scalar(x_1), Scalar(x_2)))[0]
            out.append([first[units[0]].data, first[units[1]].data])
    return out
