"""``SentimentConfig``: everything that defines one sentiment run, checked.

The same config (seed included) gives the same weights, batches and dropout; the
generated sentences do not depend on it (their splits are fixed).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

BACKENDS = ("fast", "simple")
MAX_WIDTH = 10


class SentimentConfigError(ValueError):
    """A config value a user got wrong; the message says what was expected."""


def _positive_int(name: str, value: object) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SentimentConfigError(f"{name} must be a positive integer, got {value!r}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


@dataclass(frozen=True)
class SentimentConfig:
    """One run: model sizes, training, data source and backend.

    ``data`` is an SST-2 directory (None: the generated sentences); ``embeddings``
    a GloVe text file (None: embeddings of ``dim`` numbers are learned).
    ``limit`` trains on only the first N training sentences.
    """

    epochs: int = 4
    batch_size: int = 32
    lr: float = 0.01
    seed: int = 0
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
            SentimentConfigError: what was expected and what came.
        """
        _positive_int("epochs", self.epochs)
        _positive_int("batch size", self.batch_size)
        _positive_int("dim", self.dim)
        _positive_int("filters", self.filters)
        if self.limit is not None:
            _positive_int("limit", self.limit)
        if isinstance(self.seed, bool) or not isinstance(self.seed, int):
            raise SentimentConfigError(f"seed must be an integer, got {self.seed!r}")
        widths = tuple(self.widths)
        if not widths or len(set(widths)) != len(widths):
            raise SentimentConfigError(
                f"widths must be one or more different sizes, got {list(widths)}"
            )
        for width in widths:
            _positive_int("each width", width)
            if width > MAX_WIDTH:
                raise SentimentConfigError(
                    f"widths must be at most {MAX_WIDTH} words, got {width}"
                )
        if not _is_number(self.lr) or not (math.isfinite(self.lr) and self.lr > 0):
            raise SentimentConfigError(
                f"learning rate must be positive and finite, got {self.lr!r}"
            )
        if not _is_number(self.dropout) or not 0.0 <= self.dropout < 1.0:
            raise SentimentConfigError(
                f"dropout must be in [0, 1), got {self.dropout!r}"
            )
        if self.backend not in BACKENDS:
            raise SentimentConfigError(
                f"unknown backend {self.backend!r}; choose one of {', '.join(BACKENDS)}"
            )
        return replace(
            self, lr=float(self.lr), dropout=float(self.dropout), widths=widths
        )

    @property
    def source(self) -> str:
        """``generated`` or ``sst2``: named in every output."""
        return "generated" if self.data is None else "sst2"

    def to_dict(self) -> dict[str, Any]:
        """The config as a JSON-able dict (metrics and checkpoint metadata)."""
        values = asdict(self)
        values["widths"] = list(self.widths)
        return values

    @classmethod
    def from_dict(cls, values: Mapping[str, Any]) -> SentimentConfig:
        """Rebuild a config saved with ``to_dict`` (unknown keys are an error).

        Raises:
            SentimentConfigError: on unknown keys or invalid values.
        """
        unknown = sorted(set(values) - {f.name for f in fields(cls)})
        if unknown:
            raise SentimentConfigError(f"unknown config keys {unknown}")
        raw = dict(values)
        if "widths" in raw:
            raw["widths"] = tuple(raw["widths"])
        return cls(**raw).validated()
