"""The pictures of a run: whole-epoch ticks, and the shared boundary grid."""

import numpy as np
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from minitorch.datasets import Graph
from minitorch.train.grid import boundary_grid, cell_centres, extent_of
from minitorch.train.plots import boundary_figure, curves_figure, loss_figure


def _epoch_ticks(fig: Figure) -> list[float]:
    FigureCanvasAgg(fig).draw()  # type: ignore[no-untyped-call]
    ax = fig.axes[0]
    lo, hi = ax.get_xlim()
    return [t for t in ax.get_xticks() if lo <= t <= hi]


@pytest.mark.parametrize("epochs", [2, 3, 5, 7])
def test_short_runs_tick_whole_epochs(epochs: int) -> None:
    values = [1.0 / (e + 1) for e in range(epochs)]
    for fig in (
        loss_figure(values, list(range(epochs)), total=epochs),
        curves_figure(values, values[::-1], "loss", "Loss"),
    ):
        ticks = _epoch_ticks(fig)
        assert len(ticks) >= 2
        assert all(float(t).is_integer() for t in ticks), ticks


def test_grid_is_cell_centres_of_the_padded_extent() -> None:
    data = Graph(3, [(0.0, 0.0), (1.2, 0.5), (0.5, -0.3)], [0, 1, 0])
    extent = extent_of(data)
    assert (extent.x0, extent.x1) == pytest.approx((-0.05, 1.25))
    assert (extent.y0, extent.y1) == pytest.approx((-0.35, 1.05))
    points = cell_centres(extent, 4)
    assert len(points) == 16
    assert points[0] == pytest.approx((-0.05 + 1.3 / 8, -0.35 + 1.4 / 8))
    assert points[1][1] == points[0][1]  # row by row, from the bottom up


def test_grid_asks_once_and_marks_unscorable_cells_undecided() -> None:
    data = Graph(2, [(0.0, 0.0), (1.0, 1.0)], [0, 1])
    calls: list[int] = []

    def predict(points: object) -> list[float]:
        pts = list(points)  # type: ignore[call-overload]
        calls.append(len(pts))
        return [x if x < 0.5 else float("nan") for x, _ in pts]

    grid = boundary_grid(predict, data, 5)
    assert calls == [25]
    assert grid.probs.shape == (5, 5)
    assert np.all(grid.probs[:, grid.xs >= 0.5] == 0.5)
    assert np.array_equal(grid.probs[0, grid.xs < 0.5], grid.xs[grid.xs < 0.5])


def test_boundary_figure_draws_every_point() -> None:
    data = Graph(2, [(0.1, 0.2), (0.9, 0.8)], [0, 1])
    fig = boundary_figure(lambda pts: [x for x, _ in pts], data, resolution=6)
    FigureCanvasAgg(fig).draw()  # type: ignore[no-untyped-call]
    offsets = np.concatenate([c.get_offsets() for c in fig.axes[0].collections[-3:]])
    assert {tuple(p) for p in offsets.tolist()} >= {(0.1, 0.2), (0.9, 0.8)}
