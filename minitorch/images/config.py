"""``DigitsConfig``: everything that defines one digits training run, checked.

The same config (seed included) gives the same split, weights, batches and dropout.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

OPTIMIZERS = ("adam", "sgd")
BACKENDS = ("fast", "simple")


class DigitsConfigError(ValueError):
    """A config value a user got wrong; the message says what was expected."""


def _positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise DigitsConfigError(f"{name} must be a positive integer, got {value!r}")


@dataclass(frozen=True)
class DigitsConfig:
    """One digits run: sizes, optimizer, data split and backend.

    ``limit`` trains on only the first N training images (quick runs, tests); the
    validation set is always the full 20 % split.
    """

    epochs: int = 10
    batch_size: int = 32
    lr: float = 0.01
    seed: int = 0
    optimizer: str = "adam"
    channels: tuple[int, int] = (8, 16)
    dropout: float = 0.25
    val_fraction: float = 0.2
    limit: int | None = None
    backend: str = "fast"

    def validated(self) -> DigitsConfig:
        """Return this config with normalised types, or raise naming the bad field.

        Raises:
            DigitsConfigError: what was expected and what came.
        """
        _positive_int("epochs", self.epochs)
        _positive_int("batch size", self.batch_size)
        if self.limit is not None:
            _positive_int("limit", self.limit)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise DigitsConfigError(f"seed must be an integer, got {self.seed!r}")
        if len(self.channels) != 2:
            raise DigitsConfigError(
                f"channels must be two sizes (conv1, conv2), got {self.channels!r}"
            )
        for size in self.channels:
            _positive_int("channels", size)
        if not _is_number(self.lr) or not (math.isfinite(self.lr) and self.lr > 0):
            raise DigitsConfigError(
                f"learning rate must be positive and finite, got {self.lr!r}"
            )
        if not _is_number(self.dropout) or not 0.0 <= self.dropout < 1.0:
            raise DigitsConfigError(f"dropout must be in [0, 1), got {self.dropout!r}")
        if not _is_number(self.val_fraction) or not 0.0 < self.val_fraction < 1.0:
            raise DigitsConfigError(
                f"validation fraction must be in (0, 1), got {self.val_fraction!r}"
            )
        if self.optimizer not in OPTIMIZERS:
            raise DigitsConfigError(
                f"unknown optimizer {self.optimizer!r}; choose one of "
                f"{', '.join(OPTIMIZERS)}"
            )
        if self.backend not in BACKENDS:
            raise DigitsConfigError(
                f"unknown backend {self.backend!r}; choose one of {', '.join(BACKENDS)}"
            )
        return replace(
            self,
            lr=float(self.lr),
            dropout=float(self.dropout),
            val_fraction=float(self.val_fraction),
            channels=(self.channels[0], self.channels[1]),
        )

    def to_dict(self) -> dict[str, Any]:
        """The config as a JSON-able dict (metrics and checkpoint metadata)."""
        values = asdict(self)
        values["channels"] = list(self.channels)
        return values

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> DigitsConfig:
        """Rebuild a config saved with ``to_dict`` (unknown keys are an error).

        Raises:
            DigitsConfigError: on unknown keys or invalid values.
        """
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise DigitsConfigError(f"unknown config keys {unknown}")
        raw = dict(values)
        if "channels" in raw:
            raw["channels"] = tuple(raw["channels"])
        return cls(**raw).validated()


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
