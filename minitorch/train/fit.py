"""``fit``: train a 2-D model family with the shared epoch loop.

It seeds the data and the weights from the config, runs the family's epochs through
``run_epochs`` and keeps a few evenly spaced weight snapshots for pictures of
training.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from ..datasets import Graph, load
from .base import EpochResult, ModelFamily
from .config import TrainConfig, make_optimizer
from .families import get_family
from .loop import State, StopCheck, Training, run_epochs

SNAPSHOT_COUNT = 10

__all__ = ["EpochLog", "FitResult", "State", "fit", "load_data", "snapshot_epochs"]


@dataclass(frozen=True)
class EpochLog:
    """What ``on_epoch`` hears after every finished epoch (``epoch`` counts from 1).

    ``loss`` and ``correct`` describe the weights the epoch started from.
    """

    epoch: int
    epochs: int
    loss: float
    correct: int
    total: int
    seconds: float

    def line(self) -> str:
        """The lecture's ``Epoch N loss L correct C/N``."""
        count = f"{self.correct}/{self.total}"
        return f"Epoch {self.epoch} loss {self.loss:.6f} correct {count}"


@dataclass(kw_only=True)
class FitResult(Training[EpochResult]):
    """A finished (or stopped) 2-D run: the trained model, its data and its history.

    ``model`` holds the weights after the last step on success; after divergence,
    the weights that produced the last finite loss; after Ctrl-C, the weights after
    the last whole epoch.
    """

    config: TrainConfig
    family: ModelFamily
    data: Graph

    @property
    def loss_history(self) -> list[float]:
        """Each epoch's summed loss, measured with the weights it started from."""
        return [e.loss for e in self.history]

    @property
    def correct_history(self) -> list[int]:
        """Each epoch's correct count, measured with the weights it started from."""
        return [e.correct for e in self.history]

    @property
    def final_loss(self) -> float:
        """The last epoch's loss (NaN if there was none)."""
        return self.history[-1].loss if self.history else math.nan

    @property
    def correct(self) -> int:
        """Correct points counted during the last finite epoch (the lecture's log)."""
        return self.history[-1].correct if self.history else 0

    @cached_property
    def final_probabilities(self) -> list[float]:
        """P(label 1) of every training point under the kept weights."""
        return self.family.predict(self.model, self.data.X)

    @property
    def final_correct(self) -> int:
        """Correctly classified points under the kept (saved, plotted) weights."""
        return sum(
            (p > 0.5) == (y == 1)
            for p, y in zip(self.final_probabilities, self.data.y, strict=True)
        )

    @property
    def final_weights_loss(self) -> float:
        """The summed -log p(label) under the kept weights (inf if some p is 0)."""
        total = 0.0
        for p, y in zip(self.final_probabilities, self.data.y, strict=True):
            prob = p if y == 1 else 1.0 - p
            if not prob > 0.0:
                return math.inf if prob == 0.0 else math.nan
            total -= math.log(prob)
        return total

    @property
    def total(self) -> int:
        """Number of training points."""
        return len(self.data.X)


def snapshot_epochs(epochs: int, count: int = SNAPSHOT_COUNT) -> list[int]:
    """About ``count`` evenly spaced epochs from 0 (initial weights) to ``epochs``."""
    if count < 2:
        return [epochs]
    return sorted({round(i * epochs / (count - 1)) for i in range(count)})


def load_data(config: TrainConfig) -> Graph:
    """The run's dataset: ``datasets.load(config.dataset, config.pts, config.seed)``."""
    return load(config.dataset, config.pts, config.seed)


def fit(
    config: TrainConfig,
    on_epoch: Callable[[EpochLog], None] | None = None,
    snapshot_count: int = SNAPSHOT_COUNT,
    should_stop: StopCheck | None = None,
) -> FitResult:
    """Train the model ``config`` describes and return the result.

    Never raises for divergence or Ctrl-C: ``status`` says how the run ended (a
    library caller in a notebook keeps the partial result too).

    ``should_stop(weights)`` is asked before every epoch, in the training thread,
    with the weights that epoch starts from (a copy: read it, do not modify it);
    ``True`` ends the run as ``interrupted``, like Ctrl-C. A web app's Stop button
    uses it, and shows the weights it is handed while training goes on.

    Raises:
        ConfigError: if the config is invalid.
    """
    config = config.validated()
    family = get_family(config.model)
    data = load_data(config)
    model = family.build(config)
    optimizer = make_optimizer(config, model.parameters())
    result = FitResult(model, config=config, family=family, data=data)

    def report(epoch: int, numbers: EpochResult, seconds: float) -> None:
        if on_epoch is not None:
            log = EpochLog(
                epoch,
                config.epochs,
                numbers.loss,
                numbers.correct,
                len(data.X),
                seconds,
            )
            on_epoch(log)

    run_epochs(
        result,
        lambda: family.train_epoch(model, data, optimizer, config),
        config.epochs,
        judged="start",
        on_epoch=report,
        should_stop=should_stop,
        snapshot_at=set(snapshot_epochs(config.epochs, snapshot_count)),
    )
    return result
