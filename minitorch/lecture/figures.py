"""The lecture's drawings, each computed from a model and data by the library.

Every function returns a matplotlib ``Figure`` (object API, no pyplot), so the
lecture page, the web app or a notebook can save or embed it; ``png_bytes`` renders
one. Label colours and probability regions are those of every other picture.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import numpy.typing as npt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from ..autodiff import no_grad
from ..datasets import Graph
from ..lecture_network import Linear, Network
from ..scalar import Scalar
from ..train.plots import LABEL_COLORS, REGION_CMAP, encode_png, scatter_points
from ..viz.network import VIEW
from ..viz.style import ACTIVE, EDGE, RED, TEXT

DPI = 110
# unit1 and unit2 in every figure; unit3 (the final split) is drawn in the text colour.
UNIT_COLORS = {"unit1": ACTIVE, "unit2": "#7c3aed", "unit3": TEXT}
# The zoomed-out view of the input plane: the data square and what lies around it.
ZOOMED_OUT = (-0.75, 1.75)
Array = npt.NDArray[np.float64]


def png_bytes(fig: Figure) -> bytes:
    """The PNG encoding of ``fig`` at the lecture's resolution."""
    return encode_png(fig, DPI)


def _points(data: Graph) -> Array:
    return np.asarray(data.X, dtype=np.float64).reshape(-1, 2)


def _scatter(ax: Axes, xy: Array, labels: Sequence[int], size: float = 24) -> None:
    scatter_points(ax, xy, labels, size)


def _grid(lo: float, hi: float, n: int) -> tuple[Array, Array]:
    g = np.linspace(lo, hi, n)
    gx, gy = np.meshgrid(g, g)
    return gx, gy


def _on_grid(f: Callable[[float, float], Scalar], gx: Array, gy: Array) -> Array:
    """``f`` at every grid point, as floats (no graphs recorded)."""
    with no_grad():
        values = [f(a, b).data for a, b in zip(gx.ravel(), gy.ravel(), strict=True)]
    return np.asarray(values, dtype=np.float64).reshape(gx.shape)


def _regions(ax: Axes, gx: Array, gy: Array, probs: Array) -> None:
    """Fill by P(label 1) and draw the p = 0.5 contour where there is one."""
    ax.contourf(gx, gy, probs, levels=np.linspace(0.0, 1.0, 11), cmap=REGION_CMAP)
    if probs.min() < 0.5 < probs.max():
        ax.contour(gx, gy, probs, levels=[0.5], colors="#333333", linewidths=1.25)


def _line(
    ax: Axes,
    w: tuple[float, float, float],
    view: tuple[float, float],
    colour: str,
    label: str,
    style: str = "-",
) -> bool:
    """Draw ``w_1·a + w_2·b + c = 0`` across the view; False if it misses the view."""
    w_1, w_2, c = w
    lo, hi = view
    t = np.linspace(lo, hi, 200)
    if abs(w_2) >= abs(w_1) and abs(w_2) > 1e-12:
        xs, ys = t, -(w_1 * t + c) / w_2
    elif abs(w_1) > 1e-12:
        xs, ys = -(w_2 * t + c) / w_1, t
    else:
        return False
    inside = (xs >= lo) & (xs <= hi) & (ys >= lo) & (ys <= hi)
    if not inside.any():
        return False
    ax.plot(xs[inside], ys[inside], color=colour, lw=1.8, ls=style, label=label)
    return True


def _plane(ax: Axes, view: tuple[float, float], x: str = "x1", y: str = "x2") -> None:
    ax.set_xlim(*view)
    ax.set_ylim(*view)
    ax.set_aspect("equal")
    ax.set_xlabel(x)
    ax.set_ylabel(y)


def loss_figure(span: float = 6.0) -> Figure:
    """The loss of one point against its score ``m``, for each label."""
    ms = np.linspace(-span, span, 121)
    with no_grad():
        one = [-(Scalar(m).sigmoid().log()).data for m in ms]
        zero = [-((-Scalar(m).sigmoid() + 1.0).log()).data for m in ms]
    fig = Figure(figsize=(5.6, 3.6), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(ms, one, color=LABEL_COLORS[1], lw=2, label="label 1: −log σ(m)")
    ax.plot(ms, zero, color=LABEL_COLORS[0], lw=2, label="label 0: −log(1 − σ(m))")
    ax.axvline(0.0, color=EDGE, lw=0.8)
    ax.set_xlabel("score m = w_1·x_1 + w_2·x_2 + b")
    ax.set_ylabel("loss of the point")
    ax.set_title(
        "A point's loss: small when its score is on its label's side", fontsize=10
    )
    ax.legend(loc="upper center", fontsize="small")
    ax.grid(alpha=0.3)
    return fig


def correct_count(predict: Callable[[float, float], Scalar], data: Graph) -> int:
    """How many points ``predict`` (a probability of label 1) puts on their side."""
    with no_grad():
        return sum(
            (predict(a, b).data > 0.5) == (label == 1)
            for (a, b), label in zip(data.X, data.y, strict=True)
        )


def linear_fit_figure(
    unit: Linear, data: Graph, title: str, resolution: int = 60
) -> Figure:
    """A linear model's split of the plane: regions by σ(m), its line, the data."""

    def prob(a: float, b: float) -> Scalar:
        return unit.forward(a, b).sigmoid()

    gx, gy = _grid(*VIEW, resolution)
    fig = Figure(figsize=(4.8, 4.8), layout="constrained")
    ax = fig.add_subplot()
    _regions(ax, gx, gy, _on_grid(prob, gx, gy))
    _scatter(ax, _points(data), data.y)
    _plane(ax, VIEW)
    correct = correct_count(prob, data)
    ax.set_title(f"{title}\n{correct}/{len(data.X)} points on their side", fontsize=10)
    return fig


def split_figure(network: Network, data: Graph, unit: str) -> Figure:
    """One hidden unit's split: its line, and its positive side (what ReLU keeps)."""
    linear: Linear = getattr(network, unit)
    w = linear.line()
    colour = UNIT_COLORS[unit]
    gx, gy = _grid(*VIEW, 120)
    positive = (w[0] * gx + w[1] * gy + w[2]) > 0
    fig = Figure(figsize=(4.8, 4.8), layout="constrained")
    ax = fig.add_subplot()
    ax.contourf(gx, gy, positive.astype(float), levels=[0.5, 1.5], colors=[colour])
    for collection in ax.collections:
        collection.set_alpha(0.12)
    shown = _line(ax, w, VIEW, colour, f"{unit}: {_equation(w)} = 0")
    _scatter(ax, _points(data), data.y)
    _plane(ax, VIEW)
    side = (
        "shaded: positive, kept by ReLU"
        if positive.any()
        else "negative on this whole view"
    )
    title = f"{unit}: split of the input ({side})"
    if not shown:
        title += "\nits line lies outside this view"
    ax.set_title(title, fontsize=10)
    # Below the axes: inside, the legend would hide points near a corner.
    ax.legend(
        loc="upper center", bbox_to_anchor=(0.5, -0.14), fontsize="small", frameon=False
    )
    return fig


def _equation(w: tuple[float, float, float], a: str = "x1", b: str = "x2") -> str:
    """``w_1·a + w_2·b + c`` with two decimals and the signs written out."""

    def signed(v: float) -> str:
        return f"{'+' if v >= 0 else '−'} {abs(v):.2f}"

    return f"{w[0]:.2f}·{a} {signed(w[1])}·{b} {signed(w[2])}"


def relu_figure(span: float = 2.0) -> Figure:
    """ReLU(t) = max(0, t), evaluated by ``Scalar.relu``."""
    ts = np.linspace(-span, span, 81)
    with no_grad():
        ys = [Scalar(t).relu().data for t in ts]
    fig = Figure(figsize=(4.4, 3.4), layout="constrained")
    ax = fig.add_subplot()
    ax.plot(ts, ys, color=RED, lw=2.2)
    ax.axhline(0.0, color=EDGE, lw=0.8)
    ax.axvline(0.0, color=EDGE, lw=0.8)
    ax.set_xlabel("t")
    ax.set_ylabel("ReLU(t)")
    ax.set_title("ReLU: negatives fold onto 0,\npositives pass unchanged", fontsize=10)
    ax.grid(alpha=0.3)
    return fig


def hidden_values(network: Network, data: Graph) -> Array:
    """``(lin(x; unit1), lin(x; unit2))`` per point, before ReLU."""
    with no_grad():
        rows = [[h.data for h in network.hidden((a, b))] for a, b in data.X]
    return np.asarray(rows, dtype=np.float64).reshape(len(data.X), 2)


def _hidden_view(h: Array) -> tuple[float, float]:
    lo = min(float(h.min()), 0.0)
    hi = max(float(h.max()), 0.0)
    pad = 0.08 * max(hi - lo, 1e-6)
    return lo - pad, hi + pad


def hidden_figure(network: Network, data: Graph, after_relu: bool) -> Figure:
    """The data at its hidden coordinates ``(h1, h2)``, before or after ReLU.

    Both panels share one view, so the fold of every negative coordinate onto 0
    is seen as points moving onto the axes.
    """
    h = hidden_values(network, data)
    view = _hidden_view(h)
    shown = np.maximum(h, 0.0) if after_relu else h
    fig = Figure(figsize=(4.8, 4.8), layout="constrained")
    ax = fig.add_subplot()
    ax.axhline(0.0, color=EDGE, lw=0.8)
    ax.axvline(0.0, color=EDGE, lw=0.8)
    if not after_relu:
        # Where a coordinate is negative: ReLU will move these points onto an axis.
        ax.axvspan(view[0], 0.0, color=RED, alpha=0.06, lw=0)
        ax.axhspan(view[0], 0.0, color=RED, alpha=0.06, lw=0)
    _scatter(ax, shown, data.y)
    _plane(ax, view, "h1 = lin(x; unit1)", "h2 = lin(x; unit2)")
    if after_relu:
        ax.set_xlabel("h1 = ReLU(lin(x; unit1))")
        ax.set_ylabel("h2 = ReLU(lin(x; unit2))")
        ax.set_title("After ReLU: negative coordinates fold onto 0", fontsize=10)
    else:
        ax.set_title("Before ReLU: the data in hidden coordinates", fontsize=10)
    ax.legend(loc="upper right", fontsize="small", framealpha=0.85)
    return fig


def final_split_figure(network: Network, data: Graph, resolution: int = 60) -> Figure:
    """unit3's split of the hidden plane after ReLU: regions by σ(m), and its line."""
    h = np.maximum(hidden_values(network, data), 0.0)
    view = _hidden_view(h)
    gx, gy = _grid(*view, resolution)

    def prob(a: float, b: float) -> Scalar:
        return network.unit3.forward(a, b).sigmoid()

    fig = Figure(figsize=(4.8, 4.8), layout="constrained")
    ax = fig.add_subplot()
    _regions(ax, gx, gy, _on_grid(prob, gx, gy))
    w = network.unit3.line()
    _line(
        ax,
        w,
        view,
        UNIT_COLORS["unit3"],
        f"unit3: {_equation(w, 'h1', 'h2')} = 0",
        "--",
    )
    _scatter(ax, h, data.y)
    _plane(ax, view, "h1 = ReLU(lin(x; unit1))", "h2 = ReLU(lin(x; unit2))")
    correct = correct_count(lambda a, b: network.forward((a, b)), data)
    ax.set_title(
        f"unit3 splits the hidden plane: {correct}/{len(data.X)} on their side",
        fontsize=10,
    )
    ax.legend(
        loc="upper center",
        bbox_to_anchor=(0.5, -0.14),
        fontsize="small",
        frameon=False,
    )
    return fig


def boundary_figure(
    network: Network,
    data: Graph,
    view: tuple[float, float] = ZOOMED_OUT,
    resolution: int = 80,
) -> Figure:
    """The network's boundary in the input plane, zoomed out past the data square.

    unit1's and unit2's lines are dashed: the boundary bends where they cross it.
    """
    gx, gy = _grid(*view, resolution)
    fig = Figure(figsize=(5.2, 5.2), layout="constrained")
    ax = fig.add_subplot()
    _regions(ax, gx, gy, _on_grid(lambda a, b: network.forward((a, b)), gx, gy))
    for unit in ("unit1", "unit2"):
        linear: Linear = getattr(network, unit)
        _line(ax, linear.line(), view, UNIT_COLORS[unit], f"{unit} = 0", "--")
    ax.plot([0, 1, 1, 0, 0], [0, 0, 1, 1, 0], color=EDGE, lw=0.8, ls=":")
    _scatter(ax, _points(data), data.y, size=14)
    _plane(ax, view)
    ax.set_title("Zoomed out: the network's boundary σ(m) = 0.5", fontsize=10)
    ax.legend(loc="upper right", fontsize="small", framealpha=0.85)
    return fig


def dead_unit_figure(network: Network, data: Graph, unit: str) -> Figure:
    """A hidden unit's value before ReLU at every point, sorted, against zero.

    For a dead unit every bar is at or below zero: that is why ReLU gives it 0.
    """
    column = {"unit1": 0, "unit2": 1}[unit]
    values = hidden_values(network, data)[:, column]
    order = np.argsort(values)
    labels = np.asarray(data.y)[order]
    fig = Figure(figsize=(5.6, 3.2), layout="constrained")
    ax = fig.add_subplot()
    colours = [LABEL_COLORS[int(label)] for label in labels]
    ax.bar(np.arange(len(values)), values[order], color=colours, width=0.85)
    ax.axhline(0.0, color=RED, lw=1.4)
    ax.set_xlabel("points, sorted by the unit's value")
    ax.set_ylabel(f"lin(x; {unit}) before ReLU")
    highest = float(values.max())
    lowest = float(values.min())
    ax.set_ylim(min(lowest, 0.0) * 1.08, max(highest, 0.0) + 0.1 * abs(lowest) + 1e-3)
    if highest <= 0.0:
        title = (
            f"{unit} is dead: all {len(values)} values are ≤ 0 "
            f"(highest {highest:.3f}),\nso ReLU gives 0 at every point"
        )
    else:
        positive = int((values > 0).sum())
        title = f"{unit} is alive: {positive} of {len(values)} values are > 0"
    ax.set_title(title, fontsize=10)
    return fig
