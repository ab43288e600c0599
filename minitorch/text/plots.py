"""Pictures of a sentiment run: learning curves, filter firings, word maps.

Object-API matplotlib on an Agg canvas (no pyplot, no window), saved atomically.
Imported only when a run is written, so the CLI starts without matplotlib.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from ..train.plots import save_figure
from .explain import Explanation
from .train import Epoch

PathLike = str | os.PathLike[str]
COLORS = {"cnn": "#3b5b92", "baseline": "#d95f02"}
POSITIVE_COLOR = "#1f77b4"
NEGATIVE_COLOR = "#c0392b"
NEUTRAL_COLOR = "#555555"
TOP_FIRINGS = 6


def plot_curves(
    path: PathLike, runs: dict[str, list[Epoch]], metric: str, title: str
) -> None:
    """``loss`` or ``accuracy`` per epoch: train dashed, validation solid."""
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.add_subplot()
    for name, history in runs.items():
        epochs = np.arange(1, len(history) + 1)
        train = [getattr(e, f"train_{metric}") for e in history]
        val = [getattr(e, f"val_{metric}") for e in history]
        color = COLORS.get(name, NEUTRAL_COLOR)
        ax.plot(epochs, train, "o--", color=color, lw=1.2, ms=3, label=f"{name} train")
        ax.plot(
            epochs, val, "o-", color=color, lw=1.8, ms=3, label=f"{name} validation"
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean cross-entropy" if metric == "loss" else "accuracy")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    ax.set_title(title)
    save_figure(fig, path)


def plot_firings(
    path: PathLike, explanations: Sequence[Explanation], title: str
) -> None:
    """Per sentence, the n-grams its strongest filters picked, coloured by share.

    Each bar spans the words one filter's max over time chose; blue pushes
    towards positive, red towards negative, and the number is the filter's term
    in the logit.
    """
    count = max(len(explanations), 1)
    longest = max((len(e.words) for e in explanations), default=1)
    width = max(9.0, 0.8 * (longest + 4))
    fig = Figure(figsize=(width, 2.3 * count), layout="constrained")
    axes = fig.subplots(count, 1, squeeze=False)[:, 0]
    strongest = max(
        (abs(f.contribution) for e in explanations for f in e.firings), default=1.0
    )
    norm = TwoSlopeNorm(0.0, -max(strongest, 1e-9), max(strongest, 1e-9))
    cmap = colormaps["RdBu"]
    for ax, e in zip(axes, explanations, strict=False):
        n = len(e.words)
        for i, word in enumerate(e.words):
            ax.text(i, 0.0, word, ha="center", va="center", fontsize=10)
        top = sorted(e.firings, key=lambda f: -abs(f.contribution))[:TOP_FIRINGS]
        for row, f in enumerate(top, start=1):
            end = f.start + len(f.words) - 1
            ax.barh(
                -row,
                end - f.start + 0.9,
                left=f.start - 0.45,
                height=0.7,
                color=cmap(norm(f.contribution)),
                edgecolor="#333333",
                lw=0.5,
            )
            ax.text(
                end + 0.6,
                -row,
                f"width {f.width} #{f.filter}: {f.contribution:+.2f}",
                va="center",
                fontsize=8,
            )
        ax.set_xlim(-0.8, n + 3.5)
        ax.set_ylim(-len(top) - 0.7, 0.7)
        ax.axis("off")
        ax.set_title(
            f"{e.text!r}  →  P(positive) = {e.probability:.2f}", fontsize=10, loc="left"
        )
    fig.suptitle(title)
    save_figure(fig, path)


def pca_2d(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``points (n, d)`` projected on their two directions of largest variance."""
    centred = points - points.mean(axis=0)
    _, _, directions = np.linalg.svd(centred, full_matrices=False)
    out: npt.NDArray[np.float64] = centred @ directions[:2].T
    if out.shape[1] < 2:
        out = np.hstack([out, np.zeros((len(out), 2 - out.shape[1]))])
    return out


def _scatter(
    ax: Axes,
    labels: Sequence[str],
    points: npt.NDArray[np.float64],
    signs: Sequence[int],
) -> None:
    xy = pca_2d(points)
    for (x, y), label, sign in zip(xy, labels, signs, strict=True):
        color = {1: POSITIVE_COLOR, -1: NEGATIVE_COLOR}.get(sign, NEUTRAL_COLOR)
        ax.scatter([x], [y], s=14, color=color)
        ax.annotate(
            label,
            (x, y),
            fontsize=7,
            color=color,
            xytext=(3, 2),
            textcoords="offset points",
        )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("first principal direction")
    ax.set_ylabel("second principal direction")


def plot_word_maps(
    path: PathLike,
    words: tuple[Sequence[str], npt.NDArray[np.float64], Sequence[int]],
    phrases: tuple[Sequence[str], npt.NDArray[np.float64], Sequence[int]],
    title: str,
) -> None:
    """Left: word vectors in 2-D (PCA). Right: the CNN's features of short phrases.

    Each argument is ``(labels, vectors (n, d), signs)``; sign +1 is drawn blue,
    -1 red, 0 grey. Single words cannot show negation; the phrase panel can,
    since the features come from filters that read several words at once.
    """
    fig = Figure(figsize=(12.0, 5.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    _scatter(left, *words)
    left.set_title("word embeddings (PCA)")
    _scatter(right, *phrases)
    right.set_title("the CNN's pooled features of short phrases (PCA)")
    fig.suptitle(title)
    save_figure(fig, path)
