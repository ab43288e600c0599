"""Training scored on validation data after every epoch (the digits and text apps).

The epoch record, its line and ``metrics.json`` columns, the training pass, eval
mode and the glue into the harness's epoch loop.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt

from ..autodiff import no_grad
from ..module import Module
from ..optim import Optimizer
from ..tensor import Tensor
from .loop import StepHook, StopCheck, Training, run_epochs

# Rows per evaluation step: bounds the memory of measuring a whole split.
EVAL_BATCH = 256


@dataclass(frozen=True)
class SplitEpoch:
    """One finished epoch (from 1) of one model (named if the run trains several).

    Training numbers are averaged over the epoch's steps (dropout on, weights
    moving); validation numbers use the weights at the end of the epoch.
    """

    epoch: int
    epochs: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float
    model: str | None = None

    @property
    def loss(self) -> float:
        """The epoch's mean training loss."""
        return self.train_loss

    def finite(self) -> bool:
        """Whether both losses are numbers."""
        return math.isfinite(self.train_loss) and math.isfinite(self.val_loss)

    def line(self) -> str:
        """``Epoch N loss L train_acc A val_acc V``, after ``model: `` if named."""
        name = "" if self.model is None else f"{self.model}: "
        return (
            f"{name}Epoch {self.epoch} loss {self.train_loss:.4f} "
            f"train_acc {self.train_accuracy:.4f} val_acc {self.val_accuracy:.4f}"
        )


@dataclass(frozen=True)
class Scores:
    """A model's mean loss and accuracy on some data."""

    loss: float
    accuracy: float


def history_columns(history: Sequence[SplitEpoch]) -> dict[str, list[float]]:
    """Each number of the epochs as one list: ``metrics.json``'s ``history``."""
    return {
        "train_loss": [e.train_loss for e in history],
        "train_accuracy": [e.train_accuracy for e in history],
        "val_loss": [e.val_loss for e in history],
        "val_accuracy": [e.val_accuracy for e in history],
        "seconds": [e.seconds for e in history],
    }


def train_pass(
    model: Module,
    optimizer: Optimizer,
    batches: Sequence[list[int]],
    step: Callable[[list[int]], tuple[Tensor, int]],
    on_batch: StepHook | None = None,
) -> tuple[float, float]:
    """One pass over ``batches`` in training mode; ``(mean loss, accuracy)``.

    ``step(batch)`` runs the model on the rows of ``batch`` and returns their mean
    loss and how many it predicted right. A NaN/inf loss ends the pass at once and
    is returned as the loss. ``on_batch(done, batches, loss)`` hears every step.
    """
    model.train()
    loss_sum = 0.0
    correct = 0
    count = 0
    for done, batch in enumerate(batches, start=1):
        optimizer.zero_grad()
        loss, right = step(batch)
        value = loss.item()
        if not math.isfinite(value):
            return value, 0.0
        loss.view(1).backward()
        optimizer.step()
        loss_sum += value * len(batch)
        correct += right
        count += len(batch)
        if on_batch is not None:
            on_batch(done, len(batches), value)
    return loss_sum / count, correct / count


def eval_pass(
    model: Module, count: int, step: Callable[[slice], tuple[Tensor, npt.NDArray[Any]]]
) -> tuple[float, list[npt.NDArray[Any]]]:
    """The mean loss over ``count`` rows in eval mode, and each batch's outputs.

    ``step(rows)`` runs the model on ``rows`` and returns their mean loss and the
    outputs to keep (probabilities, predicted classes).
    """
    total = 0.0
    outputs = []
    with evaluating(model):
        for start in range(0, count, EVAL_BATCH):
            rows = slice(start, min(start + EVAL_BATCH, count))
            loss, kept = step(rows)
            total += loss.item() * (rows.stop - rows.start)
            outputs.append(kept)
    return total / max(count, 1), outputs


def confusion_matrix(
    labels: npt.NDArray[np.int64], predicted: npt.NDArray[np.int64], classes: int
) -> npt.NDArray[np.int64]:
    """``(classes, classes)`` counts of (true, predicted) pairs: row = true class."""
    matrix = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return matrix


@contextmanager
def evaluating(model: Module) -> Iterator[None]:
    """Eval mode (no dropout) and no graph inside; the model's own mode after."""
    was_training = model.training
    model.eval()
    try:
        with no_grad():
            yield
    finally:
        if was_training:
            model.train()


def fit_validated(
    record: Training[SplitEpoch],
    epochs: int,
    train: Callable[[], tuple[float, float]],
    validate: Callable[[], Scores],
    on_epoch: Callable[[SplitEpoch], None] | None = None,
    should_stop: StopCheck | None = None,
    model: str | None = None,
) -> None:
    """Run ``epochs`` of ``train`` then ``validate`` in the harness's loop.

    ``train`` returns the epoch's ``(mean loss, accuracy)``; a NaN/inf loss ends
    the run as diverged without validating. ``record.model`` is left in eval
    mode with the weights the loop kept.
    """
    epoch = 0

    def one_epoch() -> SplitEpoch:
        nonlocal epoch
        epoch += 1
        began = time.perf_counter()
        loss, accuracy = train()
        val = validate() if math.isfinite(loss) else Scores(math.nan, 0.0)
        seconds = time.perf_counter() - began
        return SplitEpoch(
            epoch, epochs, loss, accuracy, val.loss, val.accuracy, seconds, model
        )

    def report(_: int, numbers: SplitEpoch, seconds: float) -> None:
        if on_epoch is not None:
            on_epoch(numbers)

    run_epochs(record, one_epoch, epochs, "end", report, should_stop)
    record.model.eval()
