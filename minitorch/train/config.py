"""What a training run is made of: the shared config base, checks and optimizer.

Every app's config derives from ``RunConfig``; ``TrainConfig`` is the 2-D problems'.

A config fully determines a run: the same config (seed included) gives the same
data, the same initial weights and the same loss history.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields, replace
from typing import Any, Self, TypeGuard

from ..datasets import dataset_name
from ..module import Parameter
from ..optim import SGD, Adam, Optimizer

OPTIMIZERS = ("sgd", "momentum", "adam")
# Scalar networks by name (``train scalar --model``): the course's stack of
# ``--hidden``-wide layers, or the lecture's two ReLU units (``lecture_network``).
NETWORKS = ("course", "lecture")
# Tensor backends by name (``--backend``).
BACKENDS = ("simple", "fast", "cuda")
# Heavy-ball coefficient of ``--optimizer momentum``: the textbook default.
MOMENTUM = 0.9


class ConfigError(ValueError):
    """A config value a user got wrong; the message says what was expected."""


def is_integer(value: object) -> TypeGuard[int]:
    """An int that is not a bool (JSON and Python both let ``True`` pass for 1)."""
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: object) -> TypeGuard[int | float]:
    """An int or float that is not a bool."""
    return isinstance(value, int | float) and not isinstance(value, bool)


def positive_int(name: str, value: object) -> int:
    """``value`` if it is an integer ≥ 1 (not a bool), else a ``ConfigError``."""
    if not is_integer(value) or value < 1:
        raise ConfigError(f"{name} must be a positive integer, got {value!r}")
    return value


def integer(name: str, value: object) -> int:
    """``value`` if it is an integer (not a bool), else a ``ConfigError``."""
    if not is_integer(value):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    return value


def dropout_rate(value: object) -> float:
    """``value`` as a float if it is a number in [0, 1), else a ``ConfigError``."""
    if not is_number(value) or not 0.0 <= value < 1.0:
        raise ConfigError(f"dropout must be in [0, 1), got {value!r}")
    return float(value)


def learning_rate(value: object) -> float:
    """``value`` as a float if it is positive and finite, else a ``ConfigError``."""
    if not is_number(value) or not (math.isfinite(value) and value > 0):
        raise ConfigError(f"learning rate must be positive and finite, got {value!r}")
    return float(value)


def one_of(name: str, value: object, choices: Sequence[str]) -> str:
    """``value`` if it is one of ``choices``, else a ``ConfigError`` listing them."""
    if value not in choices:
        raise ConfigError(
            f"unknown {name} {value!r}; choose one of {', '.join(choices)}"
        )
    return str(value)


@dataclass(frozen=True)
class RunConfig:
    """The base of every app's config: a frozen dataclass, checked, saved as JSON.

    Subclasses declare their fields (``seed``, ``lr``, ``epochs`` and ``optimizer``
    at least: the harness gives every app those options) and ``validated``.
    """

    def validated(self) -> Self:
        """This config with normalised values, or a ``ConfigError`` naming the field."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        """The config as a JSON-able dict (metrics and checkpoint metadata)."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in asdict(self).items()
        }

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> Self:
        """Rebuild a checked config from ``to_dict``'s output or CLI options.

        Raises:
            ConfigError: on unknown keys or invalid values.
        """
        known = {f.name for f in fields(cls)}
        unknown = sorted(str(key) for key in set(values) - known)
        if unknown:
            raise ConfigError(f"unknown config keys {unknown}")
        raw = {k: tuple(v) if isinstance(v, list) else v for k, v in values.items()}
        try:
            return cls(**raw).validated()
        except TypeError as e:  # a value of the wrong type met an operator
            raise ConfigError(f"invalid config: {e}") from e


def make_optimizer(config: Any, parameters: Sequence[Parameter]) -> Optimizer:
    """The optimizer named by ``config.optimizer`` at ``config.lr``."""
    if config.optimizer == "sgd":
        return SGD(parameters, config.lr)
    if config.optimizer == "momentum":
        return SGD(parameters, config.lr, momentum=MOMENTUM)
    if config.optimizer == "adam":
        return Adam(parameters, config.lr)
    raise ConfigError(f"unknown optimizer {config.optimizer!r}")


@dataclass(frozen=True)
class TrainConfig(RunConfig):
    """One run on a 2-D dataset.

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
        dataset = dataset_name(self.dataset, ConfigError)
        for name in ("pts", "hidden", "epochs"):
            positive_int(name, getattr(self, name))
        if self.batch_size is not None:
            positive_int("batch size", self.batch_size)
        lr = learning_rate(self.lr)
        one_of("optimizer", self.optimizer, OPTIMIZERS)
        one_of("backend", self.backend, BACKENDS)
        one_of("network", self.network, NETWORKS)
        if dataset == "Spiral" and self.pts < 2:
            raise ConfigError(f"Spiral needs at least 2 points, got {self.pts}")
        return replace(self, dataset=dataset, lr=lr)

    def weight_rng(self) -> random.Random:
        """The generator for the initial weights, independent of the data's stream.

        The data uses ``seed`` directly (so it equals ``datasets.load(.., seed)``); a
        string seed gives the weights a different, equally reproducible stream.
        """
        return random.Random(f"minitorch.train weights {self.seed}")
