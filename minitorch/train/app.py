"""The app seam: what the harness needs from a model family to train it.

``minitorch train <name>`` gives every app the same options (``--epochs --lr
--seed --optimizer --out --force --log-every --quiet``), progress bar, exit codes,
budget check, signal handling and atomic run directory. An app subclasses ``App``
to bring its data, model, numbers and pictures, and is registered with one line in
``minitorch/apps.py``.
"""

from __future__ import annotations

import argparse
from abc import ABC, abstractmethod
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any, Protocol

from .config import RunConfig
from .loop import Status, StepHook, StopCheck

# float64 copies alive at once in a CNN run, per weight (value, gradient, Adam's
# two moments) and per activation cell (forward values, gradients, masks, scratch).
WEIGHT_COPIES = 4
ACTIVATION_COPIES = 8


def cnn_run_bytes(weights: int, cells: int) -> int:
    """Peak bytes of a CNN run with ``weights`` numbers and ``cells`` activations."""
    return (weights * WEIGHT_COPIES + cells * ACTIVATION_COPIES) * 8


def add_config_options(
    parser: argparse.ArgumentParser, defaults: RunConfig, helps: Mapping[str, str]
) -> None:
    """``--field-name`` per field in ``helps``, typed and defaulted as ``defaults``."""
    for name, text in helps.items():
        default = getattr(defaults, name)
        parser.add_argument(
            f"--{name.replace('_', '-')}",
            type=type(default),
            default=default,
            help=f"{text} (default: %(default)s)",
        )


def add_limit_option(parser: argparse.ArgumentParser, items: str) -> None:
    """``--limit N``: train on the first N training ``items`` only (quick runs)."""
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        help=f"train on only the first N training {items} (default: all)",
    )


@dataclass(frozen=True)
class Hooks:
    """What the harness hears from a run, and what it asks before every epoch.

    ``on_epoch`` gets each epoch's record, ``on_step`` each optimizer step;
    ``should_stop`` (if given) can end the run before an epoch.
    """

    on_epoch: Callable[[Any], None]
    on_step: StepHook
    should_stop: StopCheck | None = None


class Outcome(Protocol):
    """How a run ended, as the harness reports it (``Training`` is one)."""

    @property
    def status(self) -> Status:
        """``completed``, ``diverged`` or ``interrupted``."""
        ...

    @property
    def diverged_epoch(self) -> int | None:
        """The epoch whose numbers were not finite, if any."""
        ...

    @property
    def epochs_completed(self) -> int:
        """Whole epochs trained."""
        ...


class App(ABC):
    """A model family plugged into the harness.

    ``config_type``'s fields double as the ``dest`` of the CLI options that set
    them; the epoch logs ``fit`` reports have ``epoch``, ``epochs``, ``loss`` and
    ``seconds``.
    """

    name: str
    description: str
    config_type: type[RunConfig]
    log_every = 10
    legend: str | None = None

    def config(self, args: argparse.Namespace) -> RunConfig:
        """The validated config from the options named like its fields.

        Raises:
            ConfigError: naming the bad value.
        """
        names = [f.name for f in fields(self.config_type)]
        values = {name: getattr(args, name) for name in names if hasattr(args, name)}
        return self.config_type.from_dict(values)

    def check(self, config: Any) -> None:
        """Check what the config points at (files, devices) before any output.

        Raises:
            ConfigError: naming what is wrong.
        """
        return None

    def default_out(self, config: Any) -> str:
        """The run directory when ``--out`` is not given."""
        return f"runs/{self.name}"

    @abstractmethod
    def add_options(self, parser: argparse.ArgumentParser) -> None:
        """Add the options beyond the shared ones."""

    @abstractmethod
    def memory_bytes(self, config: Any) -> int:
        """About how many bytes a run of ``config`` needs at its peak."""

    @abstractmethod
    def fit(self, config: Any, hooks: Hooks) -> Outcome:
        """Train with ``run_epochs``, reporting each epoch's record to ``hooks``.

        A record has ``epoch``, ``epochs``, ``seconds``, ``loss`` and ``line()``, the
        epoch line the reporter prints (adding the time).
        """

    @abstractmethod
    def summary(self, result: Any) -> str:
        """One line on how the run ended and what the kept weights achieve."""

    @abstractmethod
    def save(self, result: Any, out: Path, args: argparse.Namespace) -> list[str]:
        """Write the run's files (``metrics.json`` among them) into ``out``."""
