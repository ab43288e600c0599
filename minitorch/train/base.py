"""The 2-D model-family seam: what ``fit`` needs from a kind of network.

A family says how to build its network from a ``TrainConfig``, how to run one
training epoch, and how to turn points into probabilities. Seeding, divergence
checks, snapshots, files, plots and the CLI are shared (``plane.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from ..datasets import Graph, Point
from ..module import Module
from ..optim import Optimizer
from .config import TrainConfig


@dataclass(frozen=True)
class EpochResult:
    """One epoch's summed loss over the data and number of correctly classified points.

    Both are measured with the weights the epoch started with (the lecture's loop).
    """

    loss: float
    correct: int

    def finite(self) -> bool:
        """Whether the loss is a number (the count always is)."""
        return math.isfinite(self.loss)


class ModelFamily(Protocol):
    """A kind of 2-D classifier ``fit`` can train; registered in ``apps.py``."""

    name: str
    """The CLI word (``minitorch train <name>``) and ``TrainConfig.model`` value."""
    description: str
    """One line for ``--help``, e.g. "a 2-D classifier built from Scalars"."""
    batched: bool
    """Whether the family uses ``TrainConfig.batch_size`` and ``backend``."""
    networks: tuple[str, ...]
    """The ``TrainConfig.network`` values it builds (``--model``), first the default."""

    def build(self, config: TrainConfig) -> Module:
        """A fresh network for ``config``, initialised from ``config.weight_rng()``."""
        ...

    def train_epoch(
        self, model: Module, data: Graph, optimizer: Optimizer, config: TrainConfig
    ) -> EpochResult:
        """Run one epoch of training; return a non-finite loss instead of raising."""
        ...

    def predict(self, model: Module, points: Sequence[Point]) -> list[float]:
        """The probability of class 1 for every point, without recording graphs."""
        ...

    def memory_bytes(self, config: TrainConfig) -> int:
        """About how many bytes a run of ``config`` needs at its peak."""
        ...
