"""The one epoch loop every app trains with, and the record it keeps.

The loop runs an app's epochs, reports each one, stops on a non-finite number or
weight (keeping the last weights known to be finite), on Ctrl-C or SIGTERM (keeping
the last whole epoch) or when ``should_stop`` asks, and keeps weight snapshots at
chosen epochs. It never raises for those: ``status`` says how the run ended.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from typing import Generic, Literal, Protocol, TypeVar

import numpy as np
import numpy.typing as npt

from ..module import Module

State = dict[str, npt.NDArray[np.float64]]
Status = Literal["completed", "diverged", "interrupted"]
# Asked before every epoch with its starting weights; True stops the run.
StopCheck = Callable[[State], bool]
# ``(done, steps, loss)`` after every optimizer step of an epoch, for progress bars.
StepHook = Callable[[int, int, float], None]
Judged = Literal["start", "end"]


class EpochNumbers(Protocol):
    """What an app's epoch returns: at least a loss, and whether all of it is finite."""

    @property
    def loss(self) -> float:
        """The epoch's training loss."""
        ...

    def finite(self) -> bool:
        """Whether every number of the epoch is finite."""
        ...


N = TypeVar("N", bound=EpochNumbers)


@dataclass
class Training(Generic[N]):
    """A finished (or stopped) run: the model with the weights it keeps, and history.

    ``snapshots`` pairs an epoch count with the weights after that many epochs; the
    last one is always the kept weights.
    """

    model: Module
    status: Status = "completed"
    history: list[N] = field(default_factory=list)
    epoch_seconds: list[float] = field(default_factory=list)
    snapshots: list[tuple[int, State]] = field(default_factory=list)
    diverged_epoch: int | None = None

    @property
    def epochs_completed(self) -> int:
        """How many epochs finished with finite numbers."""
        return len(self.history)

    @property
    def seconds_per_epoch(self) -> float:
        """Mean wall-clock seconds of one epoch (NaN before the first)."""
        if not self.epoch_seconds:
            return math.nan
        return sum(self.epoch_seconds) / len(self.epoch_seconds)


def _finite(state: State) -> bool:
    return all(bool(np.isfinite(v).all()) for v in state.values())


def run_epochs(
    record: Training[N],
    train_epoch: Callable[[], N],
    epochs: int,
    judged: Judged,
    on_epoch: Callable[[int, N, float], None] | None = None,
    should_stop: StopCheck | None = None,
    snapshot_at: Collection[int] = (),
) -> None:
    """Train ``record.model`` for ``epochs`` epochs, filling ``record``.

    ``judged`` says which weights an epoch's numbers describe: ``"start"`` (the
    lecture's loop measures the weights the epoch starts from, then steps) or
    ``"end"`` (numbers measured after the epoch's steps). On divergence the model
    goes back to the last weights whose numbers were all finite.
    ``on_epoch(epoch, numbers, seconds)`` hears each recorded epoch.
    """
    model = record.model
    if 0 in snapshot_at:
        record.snapshots.append((0, model.state_dict()))
    good, good_steps = model.state_dict(), 0
    try:
        for epoch in range(1, epochs + 1):
            start = model.state_dict()
            if not _finite(start):
                _stop(record, "diverged", good, good_steps, epoch)
                return
            if judged == "end":
                good, good_steps = start, epoch - 1
            if should_stop is not None and should_stop(start):
                _stop(record, "interrupted", start, epoch - 1)
                return
            try:
                began = time.perf_counter()
                numbers = train_epoch()
                seconds = time.perf_counter() - began
            except KeyboardInterrupt:
                # The step may have been half applied: go back to the epoch's start.
                _stop(record, "interrupted", start, epoch - 1)
                return
            if not numbers.finite():
                _stop(record, "diverged", good, good_steps, epoch)
                return
            if judged == "start":
                good, good_steps = start, epoch - 1
            record.history.append(numbers)
            record.epoch_seconds.append(seconds)
            if epoch in snapshot_at:
                record.snapshots.append((epoch, model.state_dict()))
            if on_epoch is not None:
                on_epoch(epoch, numbers, seconds)
    except KeyboardInterrupt:  # in ``on_epoch`` or ``should_stop``: keep the epoch
        _stop(record, "interrupted", model.state_dict(), record.epochs_completed)
        return
    if not _finite(model.state_dict()):
        # The very last step blew up the weights; no later epoch would notice.
        _stop(record, "diverged", good, good_steps, epochs)


def _stop(
    record: Training[N],
    status: Status,
    weights: State,
    steps: int,
    diverged_epoch: int | None = None,
) -> None:
    """End the run with ``weights`` (after ``steps`` epochs) as the kept ones."""
    record.model.load_state_dict(weights)
    record.status = status
    record.diverged_epoch = diverged_epoch
    record.snapshots = [(e, s) for e, s in record.snapshots if e < steps]
    record.snapshots.append((steps, weights))
