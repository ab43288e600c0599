"""``fit``: the shared training driver for every model family.

It seeds the data and the weights from the config, runs the family's epochs, reports
each one to an optional callback, stops on a non-finite loss or weight (keeping the
last finite weights), on Ctrl-C or when ``should_stop`` asks (keeping the last whole
epoch), and keeps a few evenly spaced weight snapshots for pictures of training.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..datasets import Graph, load
from ..module import Module
from ..optim import Optimizer
from .base import ModelFamily
from .config import TrainConfig, make_optimizer
from .families import get_family

State = dict[str, npt.NDArray[np.float64]]
Status = Literal["completed", "diverged", "interrupted"]
SNAPSHOT_COUNT = 10
# Asked before every epoch with its starting weights; True stops the run (see ``fit``).
StopCheck = Callable[[State], bool]


@dataclass(frozen=True)
class EpochLog:
    """What ``on_epoch`` hears after every finished epoch (``epoch`` counts from 1)."""

    epoch: int
    epochs: int
    loss: float
    correct: int
    total: int
    seconds: float


@dataclass
class FitResult:
    """A finished (or stopped) run: the trained model, its data and its history.

    ``model`` holds the weights after the last step on success; after divergence,
    the weights that produced the last finite loss; after Ctrl-C, the weights after
    the last whole epoch.
    """

    config: TrainConfig
    family: ModelFamily
    model: Module
    data: Graph
    status: Status = "completed"
    loss_history: list[float] = field(default_factory=list)
    correct_history: list[int] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)
    snapshots: list[tuple[int, State]] = field(default_factory=list)
    diverged_epoch: int | None = None

    @property
    def epochs_completed(self) -> int:
        """How many epochs finished with a finite loss."""
        return len(self.loss_history)

    @property
    def final_loss(self) -> float:
        """The last finite epoch loss (NaN if there was none)."""
        return self.loss_history[-1] if self.loss_history else math.nan

    @property
    def correct(self) -> int:
        """Correct points counted during the last finite epoch (the lecture's log).

        That count uses the weights before the epoch's step; ``final_correct``
        uses the weights the run keeps.
        """
        return self.correct_history[-1] if self.correct_history else 0

    @cached_property
    def final_correct(self) -> int:
        """Correctly classified points under the kept (saved, plotted) weights."""
        probs = self.family.predict(self.model, self.data.X)
        return sum(
            (p > 0.5) == (y == 1) for p, y in zip(probs, self.data.y, strict=True)
        )

    @property
    def total(self) -> int:
        """Number of training points."""
        return len(self.data.X)

    @property
    def seconds_per_epoch(self) -> float:
        """Mean wall-clock seconds of one epoch (NaN before the first)."""
        if not self.epoch_seconds:
            return math.nan
        return sum(self.epoch_seconds) / len(self.epoch_seconds)


def snapshot_epochs(epochs: int, count: int = SNAPSHOT_COUNT) -> list[int]:
    """About ``count`` evenly spaced epochs from 0 (initial weights) to ``epochs``."""
    if count < 2:
        return [epochs]
    return sorted({round(i * epochs / (count - 1)) for i in range(count)})


def load_data(config: TrainConfig) -> Graph:
    """The run's dataset: ``datasets.load(config.dataset, config.pts, config.seed)``."""
    return load(config.dataset, config.pts, config.seed)


def _finite(state: State) -> bool:
    return all(bool(np.isfinite(v).all()) for v in state.values())


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
    with the weights that epoch starts from (the copy ``fit`` keeps anyway for its
    divergence check: read it, do not modify it); ``True`` ends the run as
    ``interrupted``, like Ctrl-C. A web app's Stop button uses it, and shows the
    weights it is handed while training goes on.

    Raises:
        ConfigError: if the config is invalid.
    """
    config = config.validated()
    family = get_family(config.model)
    data = load_data(config)
    model = family.build(config)
    optimizer = make_optimizer(config, model.parameters())
    result = FitResult(config, family, model, data)
    wanted = set(snapshot_epochs(config.epochs, snapshot_count))
    if 0 in wanted:
        result.snapshots.append((0, model.state_dict()))
    try:
        _run_epochs(result, optimizer, wanted, on_epoch, should_stop)
    except KeyboardInterrupt:
        result.status = "interrupted"
        _final_snapshot(result, result.epochs_completed)
    return result


def _run_epochs(
    result: FitResult,
    optimizer: Optimizer,
    wanted: set[int],
    on_epoch: Callable[[EpochLog], None] | None,
    should_stop: StopCheck | None = None,
) -> None:
    """The epoch loop of ``fit``; on Ctrl-C it leaves the last whole epoch's weights."""
    config, family, model, data = (
        result.config,
        result.family,
        result.model,
        result.data,
    )
    steps = 0  # optimizer steps applied to ``model``'s current weights
    previous = model.state_dict()  # the weights that gave the last recorded loss
    for epoch in range(1, config.epochs + 1):
        start = model.state_dict()
        if not _finite(start):
            _diverged(result, previous, epoch, max(steps - 1, 0))
            return
        if should_stop is not None and should_stop(start):
            result.status = "interrupted"
            _final_snapshot(result, result.epochs_completed)
            return
        try:
            begin = time.perf_counter()
            epoch_result = family.train_epoch(model, data, optimizer, config)
            seconds = time.perf_counter() - begin
        except KeyboardInterrupt:
            # The step may have been half applied: go back to the epoch's start.
            model.load_state_dict(start)
            raise
        if not math.isfinite(epoch_result.loss):
            _diverged(result, previous, epoch, max(steps - 1, 0))
            return
        steps = epoch
        previous = start
        result.loss_history.append(epoch_result.loss)
        result.correct_history.append(epoch_result.correct)
        result.epoch_seconds.append(seconds)
        if epoch in wanted:
            result.snapshots.append((epoch, model.state_dict()))
        if on_epoch is not None:
            on_epoch(
                EpochLog(
                    epoch,
                    config.epochs,
                    epoch_result.loss,
                    epoch_result.correct,
                    len(data.X),
                    seconds,
                )
            )
    if not _finite(model.state_dict()):
        # The very last step blew up the weights; no later epoch would notice.
        _diverged(result, previous, config.epochs, steps - 1)


def _diverged(result: FitResult, previous: State, epoch: int, steps: int) -> None:
    """Stop at ``epoch``: restore the weights (``steps`` in) of the last finite loss."""
    result.model.load_state_dict(previous)
    result.status = "diverged"
    result.diverged_epoch = epoch
    _final_snapshot(result, steps)


def _final_snapshot(result: FitResult, steps: int) -> None:
    """Make the snapshots end with the weights the run keeps."""
    result.snapshots = [(e, s) for e, s in result.snapshots if e < steps]
    result.snapshots.append((steps, result.model.state_dict()))
