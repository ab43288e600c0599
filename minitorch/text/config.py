"""``SentimentConfig``: everything that defines one sentiment run, checked.

The same config (seed included) gives the same weights, batches and dropout; the
generated sentences do not depend on it (their splits are fixed).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from ..train.config import (
    OPTIMIZERS,
    ConfigError,
    RunConfig,
    dropout_rate,
    integer,
    learning_rate,
    one_of,
    positive_int,
)

BACKENDS = ("fast", "simple")
MAX_WIDTH = 10


@dataclass(frozen=True)
class SentimentConfig(RunConfig):
    """One run: model sizes, training, data source and backend.

    ``data`` is an SST-2 directory (None: the generated sentences); ``embeddings``
    a GloVe text file (None: embeddings of ``dim`` numbers are learned).
    ``limit`` trains on only the first N training sentences.
    """

    epochs: int = 4
    batch_size: int = 32
    lr: float = 0.01
    seed: int = 0
    optimizer: str = "adam"
    dim: int = 24
    filters: int = 12
    widths: tuple[int, ...] = (3, 4, 5)
    dropout: float = 0.25
    limit: int | None = None
    backend: str = "fast"
    data: str | None = None
    embeddings: str | None = None

    def validated(self) -> SentimentConfig:
        """Return this config with normalised types, or raise naming the bad field.

        Raises:
            ConfigError: what was expected and what came.
        """
        positive_int("epochs", self.epochs)
        positive_int("batch size", self.batch_size)
        positive_int("dim", self.dim)
        positive_int("filters", self.filters)
        if self.limit is not None:
            positive_int("limit", self.limit)
        integer("seed", self.seed)
        widths = tuple(self.widths)
        if not widths or len(set(widths)) != len(widths):
            raise ConfigError(
                f"widths must be one or more different sizes, got {list(widths)}"
            )
        for width in widths:
            positive_int("each width", width)
            if width > MAX_WIDTH:
                raise ConfigError(
                    f"widths must be at most {MAX_WIDTH} words, got {width}"
                )
        lr = learning_rate(self.lr)
        dropout = dropout_rate(self.dropout)
        one_of("optimizer", self.optimizer, OPTIMIZERS)
        one_of("backend", self.backend, BACKENDS)
        return replace(self, lr=lr, dropout=dropout, widths=widths)

    @property
    def source(self) -> str:
        """``generated`` or ``sst2``: named in every output."""
        return "generated" if self.data is None else "sst2"
