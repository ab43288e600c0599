"""The decision-region picture's data: a grid of class-1 probabilities and the points.

The grid covers the unit square (and every point), padded a little, like the
``boundary.png`` of ``minitorch train``; the page paints it and the points.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..datasets import Graph, Point

PAD = 0.05
GRID_SIZE = 40


@dataclass(frozen=True)
class Extent:
    """The plotted rectangle: x from ``x0`` to ``x1``, y from ``y0`` to ``y1``."""

    x0: float
    x1: float
    y0: float
    y1: float


def extent_of(data: Graph) -> Extent:
    """The unit square grown to hold every point, with a small margin."""
    xs = [x for x, _ in data.X]
    ys = [y for _, y in data.X]
    return Extent(
        min(0.0, *xs) - PAD,
        max(1.0, *xs) + PAD,
        min(0.0, *ys) - PAD,
        max(1.0, *ys) + PAD,
    )


def grid_points(extent: Extent, size: int) -> list[Point]:
    """``size × size`` cell centres, row by row from the bottom (y0) up."""
    dx = (extent.x1 - extent.x0) / size
    dy = (extent.y1 - extent.y0) / size
    return [
        (extent.x0 + (i + 0.5) * dx, extent.y0 + (j + 0.5) * dy)
        for j in range(size)
        for i in range(size)
    ]


def boundary_payload(
    data: Graph,
    predict: Callable[[Sequence[Point]], list[float]],
    size: int = GRID_SIZE,
) -> dict[str, Any]:
    """The JSON body of ``/api/boundary``: extent, ``grid[row][col]`` and the points."""
    extent = extent_of(data)
    # JSON has no NaN: a cell the model cannot score is drawn undecided.
    probs = [p if math.isfinite(p) else 0.5 for p in predict(grid_points(extent, size))]
    return {
        "size": size,
        "extent": [extent.x0, extent.x1, extent.y0, extent.y1],
        "grid": [probs[row * size : (row + 1) * size] for row in range(size)],
        "points": [[x, y] for x, y in data.X],
        "labels": list(data.y),
    }
