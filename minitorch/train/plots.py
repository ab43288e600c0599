"""Pictures of a training run: loss and accuracy curves and the decision boundary.

Figures are built with matplotlib's object API on an Agg canvas (no pyplot, no
global state, no window), and saved atomically as small PNGs. Epoch axes tick at
whole epochs only.
"""

from __future__ import annotations

import io
import os
from collections.abc import Sequence

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.ticker import MaxNLocator

from ..checkpoint import atomic_writer
from ..datasets import Graph
from .grid import BoundaryGrid, Predict, boundary_grid

DPI = 120
PathLike = str | os.PathLike[str]
# Label colours (0, 1); the regions fade from a pale version of one through white
# (p = 0.5, undecided) to a pale version of the other, so the points stay readable.
LABEL_COLORS = ("#d95f02", "#1b9e77")
REGION_CMAP = LinearSegmentedColormap.from_list(
    "minitorch_regions", ["#f7b487", "#ffffff", "#8fd3bd"]
)
TRAIN_COLOR = "#3b5b92"
VAL_COLOR = "#d95f02"


def encode_png(fig: Figure, dpi: int = DPI) -> bytes:
    """``fig`` rendered as PNG bytes (no pyplot, no display needed)."""
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def save_figure(fig: Figure, path: PathLike, dpi: int = DPI) -> None:
    """Render ``fig`` to PNG in memory, then write it atomically."""
    png = encode_png(fig, dpi)
    with atomic_writer(path) as f:
        f.write(png)


def epoch_axis(ax: Axes) -> None:
    """Label ``ax``'s x axis as epochs, ticked at whole epochs only."""
    ax.set_xlabel("epoch")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def loss_figure(
    loss_history: Sequence[float],
    correct_history: Sequence[int] = (),
    total: int | None = None,
    title: str = "Training loss",
    log_scale: bool = False,
) -> Figure:
    """The loss per epoch (optionally log-scaled) with the correct count beside.

    Why both: the loss shows how training converges, the count whether it is done.
    """
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.add_subplot()
    epochs = np.arange(1, len(loss_history) + 1)
    handles = ax.plot(epochs, loss_history, color=TRAIN_COLOR, lw=1.6, label="loss")
    epoch_axis(ax)
    ax.set_ylabel("loss (sum of −log p over the points)")
    if log_scale and all(v > 0 for v in loss_history):
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    if correct_history:
        right = ax.twinx()
        handles += right.plot(
            epochs,
            correct_history,
            color=VAL_COLOR,
            lw=1.25,
            alpha=0.8,
            label="correct",
        )
        right.set_ylabel("correctly classified points")
        if total is not None:
            right.set_ylim(0, total * 1.05)
            right.axhline(total, color=VAL_COLOR, lw=0.8, ls=":", alpha=0.6)
    # Below the axes: inside, the legend would hide one of the two curves.
    fig.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False)
    ax.set_title(title)
    return fig


def curves_figure(
    train: Sequence[float], val: Sequence[float], ylabel: str, title: str
) -> Figure:
    """Training and validation values per epoch on one axis."""
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.add_subplot()
    epochs = np.arange(1, len(train) + 1)
    ax.plot(epochs, train, "o-", color=TRAIN_COLOR, lw=1.6, ms=3, label="train")
    ax.plot(epochs, val, "o-", color=VAL_COLOR, lw=1.6, ms=3, label="validation")
    epoch_axis(ax)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    ax.set_title(title)
    return fig


def scatter_points(
    ax: Axes, points: np.ndarray, labels: Sequence[int], size: float = 30
) -> None:
    """The points coloured by label, each with a thin dark edge."""
    y = np.asarray(labels)
    for label, color in enumerate(LABEL_COLORS):
        mask = y == label
        ax.scatter(
            points[mask, 0],
            points[mask, 1],
            s=size,
            color=color,
            edgecolors="#222222",
            linewidths=0.5,
            zorder=3,
            label=f"label {label}",
        )


def draw_regions(ax: Axes, grid: BoundaryGrid) -> object:
    """Fill ``ax`` by P(label 1) over the grid and draw the p = 0.5 line."""
    e = grid.extent
    filled = ax.imshow(
        grid.probs,
        extent=(e.x0, e.x1, e.y0, e.y1),
        origin="lower",
        cmap=REGION_CMAP,
        vmin=0.0,
        vmax=1.0,
        interpolation="bilinear",
        aspect="equal",
    )
    if grid.probs.min() < 0.5 < grid.probs.max():
        ax.contour(
            grid.xs,
            grid.ys,
            grid.probs,
            levels=[0.5],
            colors="#333333",
            linewidths=1.25,
        )
    ax.set_xlim(e.x0, e.x1)
    ax.set_ylim(e.y0, e.y1)
    return filled


def boundary_figure(
    predict: Predict,
    data: Graph,
    title: str = "Decision boundary",
    resolution: int = 40,
) -> Figure:
    """The plane filled by the model's probability, with the labelled points.

    Misclassified points get a black ring, so the eye finds the mistakes first.
    ``predict`` is called on ``resolution**2`` grid points: scalar models cost about
    a millisecond per point, hence the modest default.
    """
    grid = boundary_grid(predict, data, resolution)
    point_probs = np.asarray(predict(data.X), dtype=np.float64)
    fig = Figure(figsize=(5.6, 4.8), layout="constrained")
    ax = fig.add_subplot()
    filled = draw_regions(ax, grid)
    fig.colorbar(filled, ax=ax, label="P(label 1)", ticks=[0, 0.25, 0.5, 0.75, 1])  # type: ignore[arg-type]
    labels = np.asarray(data.y)
    points = np.asarray(data.X, dtype=np.float64).reshape(-1, 2)
    wrong = (point_probs > 0.5) != (labels == 1)
    scatter_points(ax, points, data.y)
    ax.scatter(
        points[wrong, 0],
        points[wrong, 1],
        s=110,
        facecolors="none",
        edgecolors="black",
        linewidths=1.3,
        zorder=4,
        label=f"misclassified ({int(wrong.sum())})",
    )
    handles, _ = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color="#333333", label="p = 0.5"))
    ax.legend(
        handles=handles,
        loc="upper center",
        bbox_to_anchor=(0.5, -0.12),
        ncol=4,
        frameon=False,
        fontsize="small",
    )
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title)
    return fig
