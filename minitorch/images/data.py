"""The 8×8 handwritten digits that ship with scikit-learn, split and batched.

Nothing is downloaded: ``sklearn.datasets.load_digits`` reads a file inside the
installed package. Pixels (0–16 in the file) are scaled to [0, 1].
"""

from __future__ import annotations

import random
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..tensor import Tensor
from ..tensor_ops import TensorBackend

Images = npt.NDArray[np.float64]
Labels = npt.NDArray[np.int64]
CLASSES = 10
SIDE = 8
MAX_PIXEL = 16.0


@dataclass(frozen=True)
class DigitsSplit:
    """Training and validation images ``(n, 8, 8)`` in [0, 1] with labels 0–9."""

    train_images: Images
    train_labels: Labels
    val_images: Images
    val_labels: Labels


def load_images() -> tuple[Images, Labels]:
    """All 1797 digits as ``(images (n, 8, 8) in [0, 1], labels (n,))``."""
    # Imported here: scikit-learn takes a while to load, and only this needs it.
    from sklearn.datasets import load_digits  # type: ignore[import-untyped]

    digits = load_digits()
    images = np.asarray(digits.images, dtype=np.float64) / MAX_PIXEL
    labels = np.asarray(digits.target, dtype=np.int64)
    return images, labels


def stratified_split(
    labels: Labels, val_fraction: float, seed: int
) -> tuple[list[int], list[int]]:
    """Indices ``(train, val)``: each class gives ``val_fraction`` of its images to val.

    Deterministic for a seed; both lists are sorted and together cover every index once.
    """
    rng = random.Random(f"minitorch.images split {seed}")
    train: list[int] = []
    val: list[int] = []
    for label in sorted({int(v) for v in labels}):
        members = [i for i, v in enumerate(labels) if v == label]
        rng.shuffle(members)
        n_val = round(len(members) * val_fraction)
        val.extend(members[:n_val])
        train.extend(members[n_val:])
    return sorted(train), sorted(val)


def load_split(
    seed: int, val_fraction: float = 0.2, limit: int | None = None
) -> DigitsSplit:
    """The seeded stratified split; ``limit`` keeps only the first N training images."""
    images, labels = load_images()
    train, val = stratified_split(labels, val_fraction, seed)
    if limit is not None:
        train = train[:limit]
    return DigitsSplit(images[train], labels[train], images[val], labels[val])


def batch_indices(count: int, batch_size: int, rng: random.Random) -> list[list[int]]:
    """A shuffled cover of ``range(count)`` cut into batches (the last may be short)."""
    order = list(range(count))
    rng.shuffle(order)
    return [order[i : i + batch_size] for i in range(0, count, batch_size)]


def to_tensor(images: Images, backend: TensorBackend) -> Tensor:
    """Images ``(n, 8, 8)`` as a constant tensor ``(n, 1, 8, 8)`` on ``backend``."""
    n = images.shape[0]
    flat = np.ascontiguousarray(images, dtype=np.float64).reshape(-1)
    return Tensor.make(flat, (n, 1, SIDE, SIDE), backend=backend)


def one_hot(labels: Labels, backend: TensorBackend) -> Tensor:
    """Labels ``(n,)`` as a 0/1 tensor ``(n, 10)`` (the NLL loss picks with it)."""
    rows = np.zeros((labels.shape[0], CLASSES), dtype=np.float64)
    rows[np.arange(labels.shape[0]), labels] = 1.0
    return Tensor.make(rows.reshape(-1), rows.shape, backend=backend)
