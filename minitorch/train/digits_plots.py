"""Pictures of a digits run: the confusion matrix and sample predictions."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from matplotlib.figure import Figure

from ..images.data import CLASSES, Images, Labels

WRONG_COLOR = "#c0392b"
RIGHT_COLOR = "#1e7b4a"


def confusion_figure(matrix: npt.NDArray[np.int64], title: str = "Confusion") -> Figure:
    """The 10×10 counts (rows true, columns predicted), each cell labelled."""
    fig = Figure(figsize=(5.6, 5.0), layout="constrained")
    ax = fig.add_subplot()
    image = ax.imshow(matrix, cmap="Blues")
    fig.colorbar(image, ax=ax, label="validation images")
    peak = max(int(matrix.max()), 1)
    for true in range(CLASSES):
        for predicted in range(CLASSES):
            count = int(matrix[true, predicted])
            if count:
                light = count > peak / 2
                ax.text(
                    predicted,
                    true,
                    str(count),
                    ha="center",
                    va="center",
                    fontsize="small",
                    color="white" if light else "black",
                )
    ax.set_xticks(range(CLASSES))
    ax.set_yticks(range(CLASSES))
    ax.set_xlabel("predicted digit")
    ax.set_ylabel("true digit")
    ax.set_title(title)
    return fig


def samples_figure(
    images: Images,
    labels: Labels,
    predictions: npt.NDArray[np.int64],
    columns: int = 8,
    title: str = "Validation samples",
) -> Figure:
    """A grid of images titled ``pred P / true T``; mistakes in red with a red frame.

    Mistakes come first, so the grid shows what the model gets wrong.
    """
    wrong = np.flatnonzero(predictions != labels)
    right = np.flatnonzero(predictions == labels)
    shown = np.concatenate([wrong, right])[: columns * 4]
    rows = max(1, -(-len(shown) // columns))
    fig = Figure(figsize=(columns * 1.1, rows * 1.3 + 0.4), layout="constrained")
    axes = fig.subplots(rows, columns, squeeze=False)
    for ax in axes.ravel():
        ax.set_axis_off()
    for ax, index in zip(axes.ravel(), shown, strict=False):
        mistake = bool(predictions[index] != labels[index])
        color = WRONG_COLOR if mistake else RIGHT_COLOR
        ax.set_axis_on()
        ax.imshow(images[index], cmap="gray_r", vmin=0.0, vmax=1.0)
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_color(color)
            spine.set_linewidth(2.5 if mistake else 0.8)
        mark = " ✗" if mistake else ""
        ax.set_title(
            f"pred {predictions[index]} / true {labels[index]}{mark}",
            fontsize=7,
            color=color,
        )
    fig.suptitle(f"{title} · {len(wrong)} mistakes of {len(labels)}")
    return fig
