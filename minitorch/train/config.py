"""What a training run is made of: ``TrainConfig``, its checks, and the optimizer.

A config fully determines a run: the same config (seed included) gives the same
dataset, the same initial weights and the same loss history.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from ..datasets import datasets
from ..module import Parameter
from ..optim import SGD, Adam, Optimizer

OPTIMIZERS = ("sgd", "momentum", "adam")
# Scalar networks by name (``train scalar --model``): the course's stack of
# ``--hidden``-wide layers, or the lecture's two ReLU units (``lecture_network``).
NETWORKS = ("course", "lecture")
# Tensor backends by name (``--backend``); the scalar family has no backend.
BACKENDS = ("simple", "fast", "cuda")
# Heavy-ball coefficient of ``--optimizer momentum``: the textbook default.
MOMENTUM = 0.9


class ConfigError(ValueError):
    """A config value a user got wrong; the message says what was expected."""


@dataclass(frozen=True)
class TrainConfig:
    """Everything that defines one training run.

    ``batch_size`` and ``backend`` are for batched (tensor) families; the scalar
    family trains on one point at a time and requires their defaults.
    """

    model: str = "scalar"
    dataset: str = "Xor"
    pts: int = 50
    hidden: int = 10
    lr: float = 0.5
    epochs: int = 500
    seed: int = 0
    optimizer: str = "sgd"
    batch_size: int | None = None
    backend: str = "simple"
    network: str = "course"

    def validated(self) -> TrainConfig:
        """Return this config with the dataset name canonicalised, or raise.

        Raises:
            ConfigError: naming the first bad field, what was expected and what came.
        """
        by_lower = {name.lower(): name for name in datasets}
        if self.dataset.lower() not in by_lower:
            raise ConfigError(
                f"unknown dataset {self.dataset!r}; choose one of {', '.join(datasets)}"
            )
        for name in ("pts", "hidden", "epochs"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ConfigError(f"{name} must be a positive integer, got {value!r}")
        if self.batch_size is not None and (
            isinstance(self.batch_size, bool)
            or not isinstance(self.batch_size, int)
            or self.batch_size < 1
        ):
            raise ConfigError(
                f"batch size must be a positive integer, got {self.batch_size!r}"
            )
        if not isinstance(self.lr, int | float) or not (
            math.isfinite(self.lr) and self.lr > 0
        ):
            raise ConfigError(
                f"learning rate must be positive and finite, got {self.lr!r}"
            )
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(
                f"unknown optimizer {self.optimizer!r}; choose one of "
                f"{', '.join(OPTIMIZERS)}"
            )
        if self.network not in NETWORKS:
            raise ConfigError(
                f"unknown network {self.network!r}; choose one of {', '.join(NETWORKS)}"
            )
        if self.backend not in BACKENDS:
            raise ConfigError(
                f"unknown backend {self.backend!r}; choose one of {', '.join(BACKENDS)}"
            )
        dataset = by_lower[self.dataset.lower()]
        if dataset == "Spiral" and self.pts < 2:
            raise ConfigError(f"Spiral needs at least 2 points, got {self.pts}")
        return replace(self, dataset=dataset, lr=float(self.lr))

    def to_dict(self) -> dict[str, Any]:
        """The config as a JSON-able dict (for metrics and checkpoint metadata)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> TrainConfig:
        """Rebuild a config saved with ``to_dict`` (unknown keys are an error).

        Raises:
            ConfigError: on unknown keys or invalid values.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise ConfigError(f"unknown config keys {unknown}")
        return cls(**dict(values)).validated()

    def weight_rng(self) -> random.Random:
        """The generator for the initial weights, independent of the data's stream.

        The data uses ``seed`` directly (so it equals ``datasets.load(.., seed)``); a
        string seed gives the weights a different, equally reproducible stream.
        """
        return random.Random(f"minitorch.train weights {self.seed}")


def make_optimizer(config: TrainConfig, parameters: Sequence[Parameter]) -> Optimizer:
    """The optimizer named by ``config.optimizer`` over ``parameters``."""
    if config.optimizer == "sgd":
        return SGD(parameters, config.lr)
    if config.optimizer == "momentum":
        return SGD(parameters, config.lr, momentum=MOMENTUM)
    if config.optimizer == "adam":
        return Adam(parameters, config.lr)
    raise ConfigError(f"unknown optimizer {config.optimizer!r}")
