"""The model-family seam: what ``fit`` needs from a kind of model.

A family (scalar today, tensor later) says how to build its network from a config,
how to run one training epoch, and how to turn points into probabilities. Everything
else (seeding, divergence checks, snapshots, files, plots, CLI) is shared.
"""

from __future__ import annotations

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


class ModelFamily(Protocol):
    """A kind of model ``fit`` can train; register new ones in ``families.py``."""

    name: str
    """The CLI word (``minitorch train <name>``) and ``TrainConfig.model`` value."""
    description: str
    """One line for ``--help``."""
    batched: bool
    """Whether the family uses ``TrainConfig.batch_size`` (``--batch-size``)."""

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
