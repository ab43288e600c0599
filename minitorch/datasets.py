"""The six 2-D toy datasets of the lecture, generated (never downloaded).

Each generator takes the number of points and an optional seed; without a seed it draws
from Python's global ``random`` exactly as the course does.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass

Point = tuple[float, float]


@dataclass
class Graph:
    """A labelled point set: ``N`` points ``X`` with 0/1 labels ``y``."""

    N: int
    X: list[Point]
    y: list[int]


def make_pts(N: int, seed: int | None = None) -> list[Point]:
    """``N`` points uniform in the unit square (x1 drawn before x2)."""
    rng: random.Random | None = None if seed is None else random.Random(seed)
    draw = random.random if rng is None else rng.random
    pts = []
    for _ in range(N):
        x_1 = draw()
        x_2 = draw()
        pts.append((x_1, x_2))
    return pts


def _labelled(N: int, seed: int | None, rule: Callable[[float, float], bool]) -> Graph:
    X = make_pts(N, seed)
    return Graph(N, X, [1 if rule(x_1, x_2) else 0 for x_1, x_2 in X])


def simple(N: int, seed: int | None = None) -> Graph:
    """Label 1 left of the vertical line x1 = 0.5."""
    return _labelled(N, seed, lambda x_1, x_2: x_1 < 0.5)


def diag(N: int, seed: int | None = None) -> Graph:
    """Label 1 below the diagonal x1 + x2 = 0.5."""
    return _labelled(N, seed, lambda x_1, x_2: x_1 + x_2 < 0.5)


def split(N: int, seed: int | None = None) -> Graph:
    """Label 1 in the two outer bands x1 < 0.2 and x1 > 0.8."""
    return _labelled(N, seed, lambda x_1, x_2: x_1 < 0.2 or x_1 > 0.8)


def xor(N: int, seed: int | None = None) -> Graph:
    """Label 1 in the top-left and bottom-right quadrants."""
    return _labelled(
        N,
        seed,
        lambda x_1, x_2: (x_1 < 0.5 and x_2 > 0.5) or (x_1 > 0.5 and x_2 < 0.5),
    )


def circle(N: int, seed: int | None = None) -> Graph:
    """Label 1 outside the circle of squared radius 0.1 around the centre."""
    return _labelled(
        N, seed, lambda x_1, x_2: (x_1 - 0.5) ** 2 + (x_2 - 0.5) ** 2 > 0.1
    )


def spiral(N: int, seed: int | None = None) -> Graph:
    """Two interleaved spiral arms, N // 2 points each (deterministic: no seed used)."""

    def sx(t: float) -> float:
        return t * math.cos(t) / 20.0

    def sy(t: float) -> float:
        return t * math.sin(t) / 20.0

    h = N // 2
    ts = [10.0 * (float(i) / h) for i in range(5, 5 + h)]
    X = [(sx(t) + 0.5, sy(t) + 0.5) for t in ts]
    X += [(sy(-t) + 0.5, sx(-t) + 0.5) for t in ts]
    return Graph(N, X, [0] * h + [1] * h)


datasets: dict[str, Callable[..., Graph]] = {
    "Simple": simple,
    "Diag": diag,
    "Split": split,
    "Xor": xor,
    "Circle": circle,
    "Spiral": spiral,
}


def dataset_name(name: str, error: type[ValueError] = ValueError) -> str:
    """The registered spelling of dataset ``name``, matched case-insensitively.

    Raises:
        ValueError: ``error``, for an unknown name, listing the valid ones.
    """
    by_lower = {k.lower(): k for k in datasets}
    try:
        return by_lower[str(name).lower()]
    except KeyError:
        raise error(
            f"unknown dataset {name!r}; choose one of {', '.join(datasets)}"
        ) from None


def load(name: str, N: int, seed: int | None = None) -> Graph:
    """Generate dataset ``name`` (case-insensitive) with ``N`` points.

    Raises:
        ValueError: for an unknown name (listing the valid ones) or ``N < 1``.
    """
    name = dataset_name(name)
    if N < 1:
        raise ValueError(f"number of points must be at least 1, got {N}")
    if name == "Spiral" and N < 2:
        raise ValueError(f"Spiral needs at least 2 points (one per arm), got {N}")
    return datasets[name](N, seed)
