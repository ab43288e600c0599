"""Inside the lecture's network: what the first layer cuts and what ReLU makes of it.

Four pictures of a trained ``Network`` on 2-D data: (a) every first-layer unit's
separating line ``w·x + b = 0`` over the points; (b) the points in the coordinates
of two first-layer units before and after ReLU; (c) the final decision boundary;
(d) the boundary at a few epochs during training, side by side.

For (b) the two units shown are, by default, the two first-layer units the second
layer listens to most (largest norm of their outgoing weights); pass ``units`` to
choose others. The model is anything with the lecture's ``layer1``/``layer2``
Linear layers, ``hidden_activations`` and ``forward``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from ..autodiff import no_grad
from ..datasets import Graph
from ..module import Module
from ..scalar import Scalar
from ..train.plots import LABEL_COLORS, REGION_CMAP, plot_boundary
from ..train.scalar_model import predict

Snapshot = tuple[int, Mapping[str, npt.ArrayLike]]
DPI = 110


def _scatter(ax: Axes, xs: npt.NDArray[np.float64], labels: Sequence[int]) -> None:
    y = np.asarray(labels)
    for label, colour in enumerate(LABEL_COLORS):
        mask = y == label
        ax.scatter(
            xs[mask, 0],
            xs[mask, 1],
            s=22,
            color=colour,
            edgecolors="#222222",
            linewidths=0.4,
            zorder=3,
            label=f"label {label}",
        )


def first_layer_lines(model: Module) -> list[tuple[float, float, float]]:
    """``(w1, w2, b)`` per first-layer unit; its line is ``w1·x1 + w2·x2 + b = 0``."""
    layer = model.layer1
    return [
        (
            layer.weights[0][j].value.data,
            layer.weights[1][j].value.data,
            layer.bias[j].value.data,
        )
        for j in range(layer.out_size)
    ]


# The view of the input square every picture of the plane uses.
VIEW = (-0.05, 1.05)
# How far (data units) each label sits from its line, and its arrow's length.
LABEL_OFFSET = 0.045
ARROW_LENGTH = 0.07


def _clipped(
    w1: float, w2: float, b: float, lo: float, hi: float
) -> tuple[tuple[float, float], tuple[float, float]] | None:
    """The part of the line ``w1·x + w2·y + b = 0`` inside the square, or None."""
    ends: list[tuple[float, float]] = []
    for edge in (lo, hi):
        if abs(w2) > 1e-12:
            y = -(w1 * edge + b) / w2
            if lo <= y <= hi:
                ends.append((edge, y))
        if abs(w1) > 1e-12:
            x = -(w2 * edge + b) / w1
            if lo <= x <= hi:
                ends.append((x, edge))
    if len(ends) < 2:
        return None
    a = min(ends)
    z = max(ends, key=lambda p: math.dist(p, a))
    return (a, z) if math.dist(a, z) > 1e-9 else None


def label_spots(
    lines: Sequence[tuple[float, float, float]],
    view: tuple[float, float] = VIEW,
    candidates: int = 13,
) -> list[tuple[float, float] | None]:
    """Where each line's label and arrow go: a point on the line, spread apart.

    Lines through the middle all meet there, so their labels are placed one at a
    time, each at the point of its visible segment farthest from the labels and
    arrow tips already placed. ``None`` for a line that misses the view.
    """
    lo, hi = view
    placed: list[tuple[float, float]] = []
    spots: list[tuple[float, float] | None] = []
    for w1, w2, b in lines:
        segment = _clipped(w1, w2, b, lo, hi)
        if segment is None:
            spots.append(None)
            continue
        (ax, ay), (zx, zy) = segment
        norm = math.hypot(w1, w2)
        nx, ny = w1 / norm, w2 / norm
        best: tuple[float, float] | None = None
        best_score = (-math.inf, -math.inf)
        for k in range(candidates):
            t = 0.12 + 0.76 * k / (candidates - 1)
            px, py = ax + t * (zx - ax), ay + t * (zy - ay)
            marks = [
                (px - LABEL_OFFSET * nx, py - LABEL_OFFSET * ny),
                (px + ARROW_LENGTH * nx, py + ARROW_LENGTH * ny),
            ]
            gap = min(
                (math.dist(m, q) for m in marks for q in placed), default=math.inf
            )
            # Among equally free spots, the one nearest the middle of the view.
            score = (gap, -math.dist((px, py), ((lo + hi) / 2, (lo + hi) / 2)))
            if score > best_score:
                best, best_score = (px, py), score
        assert best is not None
        spots.append(best)
        placed += [
            (best[0] - LABEL_OFFSET * nx, best[1] - LABEL_OFFSET * ny),
            (best[0] + ARROW_LENGTH * nx, best[1] + ARROW_LENGTH * ny),
            best,
        ]
    return spots


def first_layer_figure(model: Module, data: Graph) -> Figure:
    """(a) The data with each first-layer unit's line; the arrow marks its ReLU side."""
    fig = Figure(figsize=(5.2, 5.0), layout="constrained")
    ax = fig.add_subplot()
    _scatter(ax, np.asarray(data.X, dtype=np.float64).reshape(-1, 2), data.y)
    lo, hi = VIEW
    t = np.linspace(lo, hi, 2)
    lines = first_layer_lines(model)
    for j, ((w1, w2, b), spot) in enumerate(
        zip(lines, label_spots(lines), strict=True)
    ):
        if abs(w1) < 1e-12 and abs(w2) < 1e-12:
            continue  # a dead unit draws no line
        if abs(w2) >= abs(w1):
            xs, ys = t, -(w1 * t + b) / w2
        else:
            xs, ys = -(w2 * t + b) / w1, t
        (line,) = ax.plot(xs, ys, lw=1.25, alpha=0.85)
        if spot is None:
            continue
        # An arrow from the line towards w: the side where the unit is positive,
        # the side ReLU lets through; the unit's number sits on the other side.
        norm = math.hypot(w1, w2)
        nx, ny = w1 / norm, w2 / norm
        px, py = spot
        ax.annotate(
            "",
            xy=(px + ARROW_LENGTH * nx, py + ARROW_LENGTH * ny),
            xytext=(px, py),
            arrowprops={"arrowstyle": "->", "color": line.get_color(), "lw": 1.25},
            annotation_clip=True,
        )
        ax.text(
            px - LABEL_OFFSET * nx,
            py - LABEL_OFFSET * ny,
            str(j),
            color=line.get_color(),
            fontsize=8,
            fontweight="bold",
            ha="center",
            va="center",
            clip_on=True,
        )
    ax.set_xlim(lo, hi)
    ax.set_ylim(lo, hi)
    ax.set_aspect("equal")
    ax.set_xlabel("x1")
    ax.set_ylabel("x2")
    ax.set_title("First layer: one line w·x + b = 0 per hidden unit")
    # Below the axes, where it covers no line label, arrow or point.
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.1),
        ncol=2,
        fontsize="small",
        frameon=False,
    )
    return fig


def hidden_values(model: Module, data: Graph) -> npt.NDArray[np.float64]:
    """First-layer values before ReLU, one row per point (no graphs recorded)."""
    with no_grad():
        rows = [
            [h.data for h in model.hidden_activations((Scalar(a), Scalar(b)))[0]]
            for a, b in data.X
        ]
    return np.asarray(rows, dtype=np.float64).reshape(len(data.X), -1)


def busiest_units(model: Module) -> tuple[int, int]:
    """The two first-layer units with the largest outgoing weights (by norm)."""
    layer2 = model.layer2
    norms = [
        math.hypot(*(layer2.weights[j][k].value.data for k in range(layer2.out_size)))
        for j in range(layer2.in_size)
    ]
    order = sorted(range(len(norms)), key=lambda j: -norms[j])
    if len(order) < 2:
        raise ValueError("the hidden-space picture needs at least 2 hidden units")
    return order[0], order[1]


def hidden_space_figure(
    model: Module, data: Graph, units: tuple[int, int] | None = None
) -> Figure:
    """(b) The points at (h_i, h_j) of two first-layer units, before and after ReLU.

    ReLU folds every negative coordinate onto 0, which is what lets a line in this
    space separate classes that no line separates in the input.
    """
    i, j = busiest_units(model) if units is None else units
    h = hidden_values(model, data)
    fig = Figure(figsize=(9.6, 4.6), layout="constrained")
    for k, (values, name) in enumerate(
        [(h, "before ReLU"), (np.maximum(h, 0.0), "after ReLU")]
    ):
        ax = fig.add_subplot(1, 2, k + 1)
        _scatter(ax, values[:, [i, j]], data.y)
        ax.axhline(0, color="#9ca3af", lw=0.8)
        ax.axvline(0, color="#9ca3af", lw=0.8)
        ax.set_xlabel(f"unit {i}")
        ax.set_ylabel(f"unit {j}")
        ax.set_title(f"{name}: first-layer units {i} and {j}")
    fig.axes[0].legend(loc="best", fontsize="small")
    fig.suptitle("The data in hidden-unit coordinates")
    return fig


def _grid(resolution: int) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    g = np.linspace(-0.05, 1.05, resolution)
    return np.meshgrid(g, g)


def epoch_strip_figure(
    model: Module,
    data: Graph,
    snapshots: Sequence[Snapshot],
    resolution: int = 24,
) -> Figure:
    """(d) The decision boundary after each snapshot's epoch, side by side.

    Each ``(epoch, state_dict)`` is loaded into ``model`` in turn; the model's own
    weights are put back afterwards.
    """
    if not snapshots:
        raise ValueError("the epoch strip needs at least one (epoch, state) snapshot")
    saved = model.state_dict()
    gx, gy = _grid(resolution)
    grid = list(zip(gx.ravel().tolist(), gy.ravel().tolist(), strict=True))
    points = np.asarray(data.X, dtype=np.float64).reshape(-1, 2)
    fig = Figure(figsize=(2.3 * len(snapshots), 2.6), layout="constrained")
    try:
        for k, (epoch, state) in enumerate(snapshots):
            model.load_state_dict(state)
            probs = np.asarray(predict(model, grid)).reshape(gx.shape)
            ax = fig.add_subplot(1, len(snapshots), k + 1)
            ax.contourf(gx, gy, probs, levels=np.linspace(0, 1, 11), cmap=REGION_CMAP)
            if probs.min() < 0.5 < probs.max():
                ax.contour(gx, gy, probs, levels=[0.5], colors="#333333", linewidths=1)
            _scatter(ax, points, data.y)
            ax.set_title(f"epoch {epoch}", fontsize=10)
            ax.set_xticks([])
            ax.set_yticks([])
            ax.set_aspect("equal")
    finally:
        model.load_state_dict(saved)
    fig.suptitle("Decision boundary during training")
    return fig


def pick_snapshots(snapshots: Sequence[Snapshot], count: int = 6) -> list[Snapshot]:
    """At most ``count`` snapshots at evenly spaced epochs, first and last included.

    The most panels whose epochs are the rounded evenly spaced targets win (so
    steps differ by at most one epoch): 0, 167, 333, 500 rather than the uneven
    0, 111, 222, 278, 389, 500 that spreading six over ten snapshots gives.
    """
    if len(snapshots) <= 2:
        return list(snapshots)
    epochs = [e for e, _ in snapshots]
    first, last = epochs[0], epochs[-1]
    for k in range(min(count, len(snapshots)), 2, -1):
        chosen = []
        for i in range(k):
            target = first + i * (last - first) / (k - 1)
            nearest = min(range(len(epochs)), key=lambda j: abs(epochs[j] - target))
            if abs(epochs[nearest] - target) > 0.5 or nearest in chosen:
                break
            chosen.append(nearest)
        else:
            return [snapshots[j] for j in chosen]
    return [snapshots[0], snapshots[-1]]


def save_figure(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as a PNG and return the path."""
    FigureCanvasAgg(fig)
    fig.savefig(path, dpi=DPI)
    return Path(path)


def write_network_pictures(
    model: Module,
    data: Graph,
    out_dir: str | Path,
    snapshots: Sequence[Snapshot] = (),
    units: tuple[int, int] | None = None,
    resolution: int = 40,
) -> list[Path]:
    """Write pictures (a)–(d) into ``out_dir``; (d) only when snapshots are given."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = [
        save_figure(first_layer_figure(model, data), out / "first_layer.png"),
        save_figure(hidden_space_figure(model, data, units), out / "hidden_space.png"),
    ]
    boundary = out / "decision_boundary.png"
    plot_boundary(
        boundary,
        lambda pts: predict(model, pts),
        data,
        "Final decision boundary",
        resolution,
    )
    paths.append(boundary)
    if snapshots:
        strip = epoch_strip_figure(model, data, pick_snapshots(snapshots))
        paths.append(save_figure(strip, out / "epochs.png"))
    return paths
