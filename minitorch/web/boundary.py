"""The decision-region picture's data: a grid of class-1 probabilities and the points.

The grid is the one ``boundary.png`` of ``minitorch train`` samples; the page
paints it and the points.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from ..datasets import Graph, Point
from ..train.grid import boundary_grid

GRID_SIZE = 40


def boundary_payload(
    data: Graph,
    predict: Callable[[Sequence[Point]], list[float]],
    size: int = GRID_SIZE,
) -> dict[str, Any]:
    """The JSON body of ``/api/boundary``: extent, ``grid[row][col]`` and the points."""
    grid = boundary_grid(predict, data, size)
    extent = grid.extent
    return {
        "size": size,
        "extent": [extent.x0, extent.x1, extent.y0, extent.y1],
        "grid": grid.probs.tolist(),
        "points": [[x, y] for x, y in data.X],
        "labels": list(data.y),
    }
