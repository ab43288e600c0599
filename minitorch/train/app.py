"""The app seam: what the harness needs from a model family to train it.

``minitorch train <name>`` gives every app the same options (``--epochs --lr
--seed --optimizer --out --force --log-every --quiet``, and ``--backend
--threads`` when its config has backends), the same progress bar and exit codes,
the same budget check, signal handling and atomic run directory. The app brings
its data, model, numbers and pictures through the methods below and is registered
with one line in ``families.py``.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path
from typing import Any, Protocol

from .config import RunConfig
from .loop import StepHook, StopCheck, Training


class EpochLine(Protocol):
    """What the reporter needs from any app's per-epoch log."""

    @property
    def epoch(self) -> int:
        """The epoch just finished, counting from 1."""
        ...

    @property
    def epochs(self) -> int:
        """How many epochs the run asked for."""
        ...

    @property
    def loss(self) -> float:
        """The epoch's training loss."""
        ...

    @property
    def seconds(self) -> float:
        """Wall-clock seconds of the epoch."""
        ...


class App(Protocol):
    """A model family plugged into the harness."""

    @property
    def name(self) -> str:
        """The CLI word: ``minitorch train <name>``."""
        ...

    @property
    def description(self) -> str:
        """One line for ``--help``, e.g. "a small CNN on the 8x8 digits"."""
        ...

    @property
    def config_type(self) -> type[RunConfig]:
        """The app's config; each of its fields is also a CLI option's ``dest``."""
        ...

    @property
    def log_every(self) -> int:
        """The default of ``--log-every``."""
        ...

    @property
    def legend(self) -> str | None:
        """A line printed before the first epoch line saying what those lines show."""
        ...

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        """Add the options beyond the shared ones (their dests are config fields)."""
        ...

    def default_out(self, config: Any) -> str:
        """The run directory when ``--out`` is not given."""
        ...

    def memory_bytes(self, config: Any) -> int:
        """About how many bytes a run of ``config`` needs at its peak."""
        ...

    def fit(
        self,
        config: Any,
        on_epoch: Callable[[Any], None],
        on_step: StepHook,
        should_stop: StopCheck | None = None,
    ) -> Training[Any]:
        """Train with ``run_epochs``; ``on_epoch`` hears an ``EpochLine`` each epoch."""
        ...

    def log_line(self, log: Any) -> str:
        """The epoch line for ``log`` (without the time, which the reporter adds)."""
        ...

    def summary(self, result: Any) -> str:
        """One line on how the run ended and what the kept weights achieve."""
        ...

    def save(self, result: Any, out: Path, args: argparse.Namespace) -> list[str]:
        """Write the run's files into the fresh directory ``out``; return their names.

        ``metrics.json`` must be among them: it marks a directory as a run.
        """
        ...
