"""Pictures of a training run: the loss curve and the decision boundary.

Figures are built with matplotlib's object API on an Agg canvas (no pyplot, no
global state, no window), and saved atomically as small PNGs.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Sequence

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.colors import LinearSegmentedColormap
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ..checkpoint import atomic_writer
from ..datasets import Graph, Point

DPI = 120
# Label colours (0, 1); the regions fade from a pale version of one through white
# (p = 0.5, undecided) to a pale version of the other, so the points stay readable.
LABEL_COLORS = ("#d95f02", "#1b9e77")
REGION_CMAP = LinearSegmentedColormap.from_list(
    "minitorch_regions", ["#f7b487", "#ffffff", "#8fd3bd"]
)
Predict = Callable[[Sequence[Point]], Sequence[float]]


def save_figure(fig: Figure, path: str | os.PathLike[str]) -> None:
    """Render ``fig`` to PNG in memory, then write it atomically."""
    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    with atomic_writer(path) as f:
        f.write(buffer.getvalue())


def plot_loss(
    path: str | os.PathLike[str],
    loss_history: Sequence[float],
    correct_history: Sequence[int] = (),
    total: int | None = None,
    title: str = "Training loss",
    log_scale: bool = False,
) -> None:
    """Draw the loss per epoch (optionally log-scaled) with the correct count beside.

    Why both: the loss shows how training converges, the count whether it is done.
    """
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.add_subplot()
    epochs = np.arange(1, len(loss_history) + 1)
    handles = ax.plot(epochs, loss_history, color="#3b5b92", lw=1.6, label="loss")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss (sum of −log p over the points)")
    if log_scale and all(v > 0 for v in loss_history):
        ax.set_yscale("log")
    ax.grid(alpha=0.3)
    if correct_history:
        right = ax.twinx()
        handles += right.plot(
            epochs,
            correct_history,
            color="#d95f02",
            lw=1.25,
            alpha=0.8,
            label="correct",
        )
        right.set_ylabel("correctly classified points")
        if total is not None:
            right.set_ylim(0, total * 1.05)
            right.axhline(total, color="#d95f02", lw=0.8, ls=":", alpha=0.6)
    # Below the axes: inside, the legend would hide one of the two curves.
    fig.legend(handles=handles, loc="outside lower center", ncol=2, frameon=False)
    ax.set_title(title)
    save_figure(fig, path)


def plot_boundary(
    path: str | os.PathLike[str],
    predict: Predict,
    data: Graph,
    title: str = "Decision boundary",
    resolution: int = 40,
) -> None:
    """Fill the plane by the model's probability and overlay the labelled points.

    Misclassified points get a black ring, so the eye finds the mistakes first.
    ``predict`` is called on ``resolution**2`` grid points: scalar models cost about
    a millisecond per point, hence the modest default.
    """
    xs = [x for x, _ in data.X]
    ys = [y for _, y in data.X]
    pad = 0.05
    lo_x, hi_x = min(0.0, *xs) - pad, max(1.0, *xs) + pad
    lo_y, hi_y = min(0.0, *ys) - pad, max(1.0, *ys) + pad
    gx, gy = np.meshgrid(
        np.linspace(lo_x, hi_x, resolution), np.linspace(lo_y, hi_y, resolution)
    )
    grid = list(zip(gx.ravel().tolist(), gy.ravel().tolist(), strict=True))
    probs = np.asarray(predict(grid), dtype=np.float64).reshape(gx.shape)
    point_probs = np.asarray(predict(data.X), dtype=np.float64)

    fig = Figure(figsize=(5.6, 4.8), layout="constrained")
    ax = fig.add_subplot()
    filled = ax.contourf(
        gx, gy, probs, levels=np.linspace(0.0, 1.0, 11), cmap=REGION_CMAP
    )
    ax.contour(gx, gy, probs, levels=[0.5], colors="#333333", linewidths=1.25)
    fig.colorbar(filled, ax=ax, label="P(label 1)", ticks=[0, 0.25, 0.5, 0.75, 1])

    labels = np.asarray(data.y)
    points = np.asarray(data.X, dtype=np.float64).reshape(-1, 2)
    wrong = (point_probs > 0.5) != (labels == 1)
    for label, color in enumerate(LABEL_COLORS):
        mask = labels == label
        ax.scatter(
            points[mask, 0],
            points[mask, 1],
            s=30,
            color=color,
            edgecolors="#222222",
            linewidths=0.5,
            zorder=3,
            label=f"label {label}",
        )
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
    ax.set_xlim(lo_x, hi_x)
    ax.set_ylim(lo_y, hi_y)
    ax.set_aspect("equal")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title(title)
    save_figure(fig, path)
