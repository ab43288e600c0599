"""``fit_digits``: train the digits CNN, measuring each epoch on validation.

A run never raises for a diverged loss or Ctrl-C: ``status`` says how it ended,
and the model keeps the weights of the last whole epoch whose numbers were finite.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..autodiff import no_grad
from ..optim import SGD, Adam, Optimizer
from ..tensor import Tensor
from ..tensor_ops import TensorBackend
from ..train.tensor_model import make_backend
from .config import DigitsConfig
from .data import (
    CLASSES,
    DigitsSplit,
    Images,
    Labels,
    batch_indices,
    load_split,
    one_hot,
    to_tensor,
)
from .model import DigitsCNN

Status = Literal["completed", "diverged", "interrupted"]
State = dict[str, npt.NDArray[np.float64]]
EVAL_BATCH = 256


@dataclass(frozen=True)
class DigitsEpoch:
    """One finished epoch (``epoch`` counts from 1).

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


@dataclass(frozen=True)
class Evaluation:
    """Mean NLL loss, accuracy and the predicted class of each image."""

    loss: float
    accuracy: float
    predictions: npt.NDArray[np.int64]


@dataclass
class DigitsResult:
    """A finished (or stopped) run: the model with the weights it keeps, and history."""

    config: DigitsConfig
    model: DigitsCNN
    split: DigitsSplit
    status: Status = "completed"
    history: list[DigitsEpoch] = field(default_factory=list)
    diverged_epoch: int | None = None

    @property
    def epochs_completed(self) -> int:
        """How many epochs finished with finite numbers."""
        return len(self.history)

    @cached_property
    def validation(self) -> Evaluation:
        """The kept weights measured on the validation images."""
        return evaluate(self.model, self.split.val_images, self.split.val_labels)

    @property
    def final_val_accuracy(self) -> float:
        """Validation accuracy of the kept weights."""
        return self.validation.accuracy

    @property
    def best_val_accuracy(self) -> float:
        """The highest validation accuracy seen after any epoch (NaN before one)."""
        return max((e.val_accuracy for e in self.history), default=math.nan)

    @property
    def seconds_per_epoch(self) -> float:
        """Mean wall-clock seconds of one epoch, validation included (NaN if none)."""
        if not self.history:
            return math.nan
        return sum(e.seconds for e in self.history) / len(self.history)

    def confusion(self) -> npt.NDArray[np.int64]:
        """``(10, 10)`` counts on validation: row = true digit, column = predicted."""
        return confusion_matrix(self.split.val_labels, self.validation.predictions)


def confusion_matrix(
    labels: Labels, predictions: npt.NDArray[np.int64]
) -> npt.NDArray[np.int64]:
    """``(10, 10)`` counts of (true, predicted) pairs."""
    matrix = np.zeros((CLASSES, CLASSES), dtype=np.int64)
    np.add.at(matrix, (labels, predictions), 1)
    return matrix


def nll_loss(log_probs: Tensor, targets: Tensor) -> Tensor:
    """Mean negative log-probability of the true class (``targets`` one-hot)."""
    batch = log_probs.shape[0]
    picked: Tensor = (log_probs * targets).sum()
    return picked * (-1.0 / batch)


def build_model(config: DigitsConfig) -> DigitsCNN:
    """A fresh network for ``config``, its weights drawn from the config's seed."""
    rng = random.Random(f"minitorch.images weights {config.seed}")
    return DigitsCNN(
        config.channels, config.dropout, rng, backend=make_backend(config.backend)
    )


def make_optimizer(config: DigitsConfig, model: DigitsCNN) -> Optimizer:
    """Adam or plain SGD over the model's parameters at ``config.lr``."""
    if config.optimizer == "sgd":
        return SGD(model.parameters(), config.lr)
    return Adam(model.parameters(), config.lr)


def backend_of(model: DigitsCNN) -> TensorBackend:
    """The backend the model's weights live on (inputs must go there too)."""
    backend: TensorBackend = model.parameters()[0].value.backend
    return backend


def evaluate(model: DigitsCNN, images: Images, labels: Labels) -> Evaluation:
    """Loss, accuracy and predictions in eval mode (no dropout, no graph)."""
    backend = backend_of(model)
    was_training = model.training
    model.eval()
    total = 0.0
    predictions = []
    try:
        with no_grad():
            for start in range(0, len(labels), EVAL_BATCH):
                chunk = slice(start, start + EVAL_BATCH)
                log_probs = model(to_tensor(images[chunk], backend))
                loss = nll_loss(log_probs, one_hot(labels[chunk], backend))
                total += loss.item() * len(labels[chunk])
                predictions.append(log_probs.to_numpy().argmax(axis=1))
    finally:
        if was_training:
            model.train()
    predicted = np.concatenate(predictions).astype(np.int64)
    count = max(len(labels), 1)
    return Evaluation(total / count, float(np.mean(predicted == labels)), predicted)


class _NonFiniteError(Exception):
    """A training step produced a NaN/inf loss."""


def train_epoch(
    model: DigitsCNN,
    optimizer: Optimizer,
    split: DigitsSplit,
    config: DigitsConfig,
    rng: random.Random,
    on_batch: Callable[[int, int, float], None] | None = None,
) -> tuple[float, float]:
    """One shuffled pass over the training images; ``(mean loss, accuracy)``.

    Raises:
        _NonFiniteError: at the first step whose loss is NaN or infinite.
    """
    backend = backend_of(model)
    model.train()
    batches = batch_indices(len(split.train_labels), config.batch_size, rng)
    loss_sum = 0.0
    correct = 0
    for done, indices in enumerate(batches, start=1):
        labels = split.train_labels[indices]
        optimizer.zero_grad()
        log_probs = model(to_tensor(split.train_images[indices], backend))
        loss = nll_loss(log_probs, one_hot(labels, backend))
        value = loss.item()
        if not math.isfinite(value):
            raise _NonFiniteError
        loss.view(1).backward()
        optimizer.step()
        loss_sum += value * len(indices)
        correct += int(np.sum(log_probs.to_numpy().argmax(axis=1) == labels))
        if on_batch is not None:
            on_batch(done, len(batches), value)
    count = len(split.train_labels)
    return loss_sum / count, correct / count


def _finite(state: State) -> bool:
    return all(bool(np.isfinite(v).all()) for v in state.values())


def fit_digits(
    config: DigitsConfig,
    on_epoch: Callable[[DigitsEpoch], None] | None = None,
    on_batch: Callable[[int, int, float], None] | None = None,
) -> DigitsResult:
    """Train the model ``config`` describes; report each epoch to ``on_epoch``.

    ``on_batch(done, batches, loss)`` hears every step (for progress bars).

    Raises:
        DigitsConfigError: if the config is invalid.
    """
    config = config.validated()
    split = load_split(config.seed, config.val_fraction, config.limit)
    model = build_model(config)
    optimizer = make_optimizer(config, model)
    result = DigitsResult(config, model, split)
    rng = random.Random(f"minitorch.images batches {config.seed}")
    for epoch in range(1, config.epochs + 1):
        start = model.state_dict()
        try:
            began = time.perf_counter()
            train_loss, train_accuracy = train_epoch(
                model, optimizer, split, config, rng, on_batch
            )
            val = evaluate(model, split.val_images, split.val_labels)
            seconds = time.perf_counter() - began
            if not (math.isfinite(val.loss) and _finite(model.state_dict())):
                raise _NonFiniteError
        except _NonFiniteError:
            model.load_state_dict(start)
            result.status, result.diverged_epoch = "diverged", epoch
            break
        except KeyboardInterrupt:
            model.load_state_dict(start)
            result.status = "interrupted"
            break
        record = DigitsEpoch(
            epoch,
            config.epochs,
            train_loss,
            train_accuracy,
            val.loss,
            val.accuracy,
            seconds,
        )
        result.history.append(record)
        if on_epoch is not None:
            try:
                on_epoch(record)
            except KeyboardInterrupt:
                result.status = "interrupted"
                break
    model.eval()
    return result
