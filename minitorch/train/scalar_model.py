"""The scalar family: the lecture's ``Network`` trained one point at a time.

Every point builds its own small graph of ``Scalar``s; gradients of the mean loss
accumulate on the weights and the optimizer takes one step per epoch.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..autodiff import no_grad
from ..datasets import Graph, Point
from ..lecture_network import Network as LectureNetwork
from ..module import Module
from ..optim import Optimizer
from ..scalar import Scalar
from ..scalar_layers import Network
from .base import EpochResult
from .config import ConfigError, TrainConfig

LECTURE_HIDDEN = 2


def train_epoch(model: Module, data: Graph, optimizer: Optimizer) -> EpochResult:
    """One full-batch step of the lecture's loop; the loss is the summed -log p.

    A point whose probability of its own label is 0 (or NaN) has an infinite loss and
    no usable gradient: the epoch then reports that loss and skips the update, so the
    caller can stop on divergence with the weights left as they were.
    """
    n = len(data.X)
    optimizer.zero_grad()
    total_loss = 0.0
    correct = 0
    finite = True
    for (x_1, x_2), y in zip(data.X, data.y, strict=True):
        out: Scalar = model.forward((Scalar(x_1), Scalar(x_2)))
        correct += (out.data > 0.5) == (y == 1)
        if not finite:
            continue
        prob = out if y == 1 else -out + 1.0
        # math.log raises on 0; NaN compares false: both mean divergence.
        if not prob.data > 0.0:
            total_loss, finite = math.inf if prob.data == 0.0 else math.nan, False
            continue
        loss = -prob.log()
        (loss / n).backward()
        total_loss += loss.data
    if finite and math.isfinite(total_loss):
        optimizer.step()
    return EpochResult(total_loss, correct)


def predict(model: Module, points: Sequence[Point]) -> list[float]:
    """The model's probability of class 1 at each point (no graphs recorded)."""
    with no_grad():
        return [model.forward((Scalar(x_1), Scalar(x_2))).data for x_1, x_2 in points]


class ScalarFamily:
    """The lecture's 2 → hidden → hidden → 1 network of Scalars, one graph per point."""

    name = "scalar"
    description = "the lecture's Scalar network, trained one point at a time"
    batched = False

    def build(self, config: TrainConfig) -> Module:
        """The config's network (``course`` or ``lecture``), seeded by its seed."""
        if config.batch_size is not None:
            raise ConfigError(
                "the scalar model trains per point; it takes no batch size"
            )
        if config.backend != "simple":
            raise ConfigError("the scalar model has no tensor backend to choose")
        if config.network == "lecture":
            if config.hidden != LECTURE_HIDDEN:
                raise ConfigError(
                    f"the lecture network has {LECTURE_HIDDEN} hidden units "
                    f"(unit1, unit2), got hidden {config.hidden}"
                )
            return LectureNetwork.random(config.weight_rng())
        return Network(config.hidden, config.weight_rng())

    def train_epoch(
        self, model: Module, data: Graph, optimizer: Optimizer, config: TrainConfig
    ) -> EpochResult:
        """One epoch of ``train_epoch`` (the config adds nothing for scalars)."""
        return train_epoch(model, data, optimizer)

    def predict(self, model: Module, points: Sequence[Point]) -> list[float]:
        """Probabilities of class 1 via ``predict``."""
        return predict(model, points)
