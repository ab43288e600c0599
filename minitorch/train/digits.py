"""The digits app's training: ``fit_digits`` runs ``images.DigitsCNN`` in the loop.

It trains on the 8×8 digits with the shared epoch loop, measuring each epoch on
validation.

A run never raises for a diverged loss or Ctrl-C: ``status`` says how it ended,
and the model keeps the weights of the last whole epoch whose numbers were finite.
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt

from ..images.data import (
    CLASSES,
    DigitsSplit,
    Images,
    Labels,
    batch_indices,
    load_split,
    one_hot,
    to_tensor,
)
from ..images.model import DigitsCNN, nll_loss
from ..module import Module
from ..optim import Optimizer
from ..tensor import Tensor
from .config import make_optimizer
from .device import backend_of, make_backend
from .digits_config import DigitsConfig
from .loop import StepHook, StopCheck, Training
from .validated import (
    Scores,
    SplitEpoch,
    confusion_matrix,
    eval_pass,
    fit_validated,
    train_pass,
)


@dataclass(frozen=True)
class Evaluation(Scores):
    """Mean NLL loss, accuracy and the predicted class of each image."""

    predictions: npt.NDArray[np.int64]


@dataclass(kw_only=True)
class DigitsResult(Training[SplitEpoch]):
    """A finished (or stopped) run: the model with the weights it keeps, and history."""

    config: DigitsConfig
    split: DigitsSplit

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

    def confusion(self) -> npt.NDArray[np.int64]:
        """``(10, 10)`` counts on validation: row = true digit, column = predicted."""
        predicted = self.validation.predictions
        return confusion_matrix(self.split.val_labels, predicted, CLASSES)


def build_model(config: DigitsConfig) -> DigitsCNN:
    """A fresh network for ``config``, its weights drawn from the config's seed."""
    rng = random.Random(f"minitorch.images weights {config.seed}")
    return DigitsCNN(
        config.channels, config.dropout, rng, backend=make_backend(config.backend)
    )


def evaluate(model: Module, images: Images, labels: Labels) -> Evaluation:
    """Loss, accuracy and predictions in eval mode (no dropout, no graph)."""
    backend = backend_of(model)

    def step(rows: slice) -> tuple[Tensor, npt.NDArray[np.int64]]:
        log_probs = model(to_tensor(images[rows], backend))
        loss = nll_loss(log_probs, one_hot(labels[rows], backend))
        return loss, log_probs.to_numpy().argmax(axis=1)

    loss, predictions = eval_pass(model, len(labels), step)
    predicted = np.concatenate(predictions).astype(np.int64)
    return Evaluation(loss, float(np.mean(predicted == labels)), predicted)


def train_epoch(
    model: DigitsCNN,
    optimizer: Optimizer,
    split: DigitsSplit,
    config: DigitsConfig,
    rng: random.Random,
    on_batch: StepHook | None = None,
) -> tuple[float, float]:
    """One shuffled pass over the training images; ``(mean loss, accuracy)``.

    Stops at the first step whose loss is NaN or infinite and returns that loss.
    """
    backend = backend_of(model)

    def step(indices: list[int]) -> tuple[Tensor, int]:
        labels = split.train_labels[indices]
        log_probs = model(to_tensor(split.train_images[indices], backend))
        right = int(np.sum(log_probs.to_numpy().argmax(axis=1) == labels))
        return nll_loss(log_probs, one_hot(labels, backend)), right

    batches = batch_indices(len(split.train_labels), config.batch_size, rng)
    return train_pass(model, optimizer, batches, step, on_batch)


def fit_digits(
    config: DigitsConfig,
    on_epoch: Callable[[SplitEpoch], None] | None = None,
    on_batch: StepHook | None = None,
    should_stop: StopCheck | None = None,
) -> DigitsResult:
    """Train the model ``config`` describes; report each epoch to ``on_epoch``.

    ``on_batch(done, batches, loss)`` hears every step (for progress bars).

    Raises:
        ConfigError: if the config is invalid.
    """
    config = config.validated()
    split = load_split(config.seed, config.val_fraction, config.limit)
    model = build_model(config)
    optimizer = make_optimizer(config, model.parameters())
    result = DigitsResult(model, config=config, split=split)
    rng = random.Random(f"minitorch.images batches {config.seed}")
    fit_validated(
        result,
        config.epochs,
        lambda: train_epoch(model, optimizer, split, config, rng, on_batch),
        lambda: evaluate(model, split.val_images, split.val_labels),
        on_epoch,
        should_stop,
    )
    return result
