"""The grid every decision-boundary picture samples.

CLI plots, explain-network and the web app all ask a model for class-1
probabilities at the same cell centres: those of the unit square grown to hold
every point, with a small margin.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..datasets import Graph, Point

PAD = 0.05
Predict = Callable[[Sequence[Point]], Sequence[float]]


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


@dataclass(frozen=True)
class BoundaryGrid:
    """Class-1 probabilities at ``size × size`` cell centres of ``extent``.

    ``probs[row][col]`` is at ``(xs[col], ys[row])``; rows run from the bottom up.
    A cell the model cannot score (NaN/inf) holds 0.5: undecided.
    """

    extent: Extent
    xs: npt.NDArray[np.float64]
    ys: npt.NDArray[np.float64]
    probs: npt.NDArray[np.float64]


def cell_centres(extent: Extent, size: int) -> list[Point]:
    """``size × size`` cell centres, row by row from the bottom (y0) up."""
    xs, ys = _axes(extent, size)
    return [(x, y) for y in ys.tolist() for x in xs.tolist()]


def _axes(
    extent: Extent, size: int
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    steps = (np.arange(size, dtype=np.float64) + 0.5) / size
    xs = extent.x0 + steps * (extent.x1 - extent.x0)
    ys = extent.y0 + steps * (extent.y1 - extent.y0)
    return xs, ys


def boundary_grid(predict: Predict, data: Graph, size: int) -> BoundaryGrid:
    """Ask ``predict`` once for every cell centre of the grid around ``data``."""
    extent = extent_of(data)
    xs, ys = _axes(extent, size)
    raw = [float(p) for p in predict(cell_centres(extent, size))]
    probs = np.array([p if math.isfinite(p) else 0.5 for p in raw], dtype=np.float64)
    return BoundaryGrid(extent, xs, ys, probs.reshape(size, size))
