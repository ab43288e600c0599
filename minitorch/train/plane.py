"""The 2-D classifiers as apps of the harness: ``minitorch train scalar|tensor``.

One ``PlaneApp`` wraps each registered ``ModelFamily``: the options for the
dataset and network size, the classic epoch line, and the run's files.
"""

from __future__ import annotations

import argparse
import math
from pathlib import Path

from ..datasets import datasets
from .app import App, Hooks, add_config_options
from .base import ModelFamily
from .config import BACKENDS, RunConfig, TrainConfig
from .device import add_backend_options
from .fit import FitResult, fit
from .runs import write_run_files
from .scalar_model import LECTURE_HIDDEN


class PlaneApp(App):
    """The harness's view of a 2-D model family."""

    config_type = TrainConfig
    legend = (
        "Each epoch line measures the weights its epoch starts from; the summary "
        "measures the final weights."
    )

    def __init__(self, family: ModelFamily) -> None:
        self.family = family
        self.name = family.name
        self.description = family.description

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        """Dataset, points, hidden units, log scale; batch size, backend if batched."""
        d = TrainConfig()
        add = parser.add_argument
        names = ", ".join(datasets)
        add("--dataset", default=d.dataset, help=f"{names} (default: %(default)s)")
        add_config_options(parser, d, {"pts": "training points"})
        networks = self.family.networks
        add(
            "--hidden",
            type=int,
            default=None,
            help=f"units per hidden layer (default: {d.hidden}"
            + ("; the lecture model has 2)" if "lecture" in networks else ")"),
        )
        if len(networks) > 1:
            add(
                "--model",
                dest="network",
                choices=networks,
                default=networks[0],
                help="course: the course's 2 -> hidden -> hidden -> 1 network; "
                "lecture: the lecture's unit1, unit2 (ReLU) and unit3 "
                "(default: %(default)s)",
            )
        if self.family.batched:
            add(
                "--batch-size",
                type=int,
                default=None,
                help="points per step (default: all)",
            )
            add_backend_options(parser, BACKENDS, d.backend)
        add("--log-scale", action="store_true", help="log-scaled loss axis in loss.png")
        parser.set_defaults(model=self.name)

    def config(self, args: argparse.Namespace) -> RunConfig:
        """The options as a config; ``--hidden`` defaults by network."""
        if args.hidden is None:
            lecture = getattr(args, "network", None) == "lecture"
            args.hidden = LECTURE_HIDDEN if lecture else TrainConfig.hidden
        return super().config(args)

    def check(self, config: TrainConfig) -> None:
        """Build the network once: its family rejects what it cannot train."""
        self.family.build(config)

    def default_out(self, config: TrainConfig) -> str:
        """``runs/MODEL-DATASET``."""
        return f"runs/{config.model}-{config.dataset.lower()}"

    def memory_bytes(self, config: TrainConfig) -> int:
        """The family's estimate."""
        return self.family.memory_bytes(config)

    def fit(self, config: TrainConfig, hooks: Hooks) -> FitResult:
        """``fit`` (2-D epochs are one or a few steps: no per-step reports)."""
        return fit(config, on_epoch=hooks.on_epoch, should_stop=hooks.should_stop)

    def summary(self, result: FitResult) -> str:
        """How the run ended, then loss and count under the final weights."""
        c = result.config
        network = "" if c.network == "course" else f" {c.network}"
        n = result.epochs_completed
        epochs = f"{n} epoch{'' if n == 1 else 's'}"
        loss = result.final_weights_loss
        loss_text = f"{loss:.6f}" if math.isfinite(loss) else "n/a"
        timing = result.seconds_per_epoch
        timing_text = "n/a" if math.isnan(timing) else f"{timing:.4f}"
        return (
            f"{c.dataset} ({c.model}{network}, hidden {c.hidden}, {c.optimizer} "
            f"lr {c.lr:g}, seed {c.seed}): {result.status} after {epochs}, "
            f"{timing_text} s/epoch; final weights: loss {loss_text} "
            f"correct {result.final_correct}/{result.total}"
        )

    def save(self, result: FitResult, out: Path, args: argparse.Namespace) -> list[str]:
        """The checkpoint, snapshots, metrics, loss curve and boundary picture."""
        log_scale = bool(getattr(args, "log_scale", False))
        paths = write_run_files(result, out, log_scale)
        return [p.name for p in paths.values()]
