"""``DigitsConfig``: everything that defines one digits run, checked.

The same config (seed included) gives the same split, weights, batches and dropout.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .config import (
    ConfigError,
    RunConfig,
    dropout_rate,
    integer,
    is_number,
    learning_rate,
    one_of,
    positive_int,
)

OPTIMIZERS = ("adam", "sgd", "momentum")
BACKENDS = ("fast", "simple")


@dataclass(frozen=True)
class DigitsConfig(RunConfig):
    """One digits run: sizes, optimizer, data split and backend.

    ``limit`` trains on only the first N training images (quick runs, tests); the
    validation set is always the full split.
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
            ConfigError: what was expected and what came.
        """
        positive_int("epochs", self.epochs)
        positive_int("batch size", self.batch_size)
        if self.limit is not None:
            positive_int("limit", self.limit)
        integer("seed", self.seed)
        if len(self.channels) != 2:
            raise ConfigError(
                f"channels must be two sizes (conv1, conv2), got {self.channels!r}"
            )
        for size in self.channels:
            positive_int("channels", size)
        lr = learning_rate(self.lr)
        dropout = dropout_rate(self.dropout)
        if not is_number(self.val_fraction) or not 0.0 < self.val_fraction < 1.0:
            raise ConfigError(
                f"validation fraction must be in (0, 1), got {self.val_fraction!r}"
            )
        one_of("optimizer", self.optimizer, OPTIMIZERS)
        one_of("backend", self.backend, BACKENDS)
        return replace(
            self,
            lr=lr,
            dropout=dropout,
            val_fraction=float(self.val_fraction),
            channels=(self.channels[0], self.channels[1]),
        )
