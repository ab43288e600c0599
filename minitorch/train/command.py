"""``minitorch train <model>``: train on a 2-D dataset and write a run directory.

One subcommand per registered model family. Exit codes: 0 success, 2 user error,
3 the loss diverged (NaN/inf), 130 interrupted (Ctrl-C); 1 if results could not be
written. Whatever was trained is saved in every case but a user error.
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import TextIO

from ..datasets import datasets
from ..images.command import register_digits
from .base import ModelFamily
from .config import (
    BACKENDS,
    MOMENTUM,
    NETWORKS,
    OPTIMIZERS,
    ConfigError,
    TrainConfig,
)
from .families import FAMILIES
from .fit import EpochLog, FitResult, fit
from .progress import ProgressBar, note_compiling
from .runs import check_writable, save_run
from .scalar_model import LECTURE_HIDDEN

EXIT_USAGE = 2
EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 130
DEFAULTS = TrainConfig()


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``train`` with one sub-subcommand per model family, and ``digits``."""
    train = subparsers.add_parser(
        "train",
        help="train a model (2-D datasets or digits); writes plots, metrics and "
        "checkpoint",
        description="Train a model on one of the six 2-D datasets (scalar, tensor) "
        "or on scikit-learn's 8x8 digits (digits).",
    )
    families = train.add_subparsers(dest="family", metavar="MODEL", required=True)
    for family in FAMILIES.values():
        parser = families.add_parser(
            family.name,
            help=family.description,
            description=f"Train {family.description}.",
            epilog="Exit codes: 0 done, 2 bad arguments, 3 loss diverged (NaN/inf), "
            "130 interrupted. Results so far are saved on 3 and 130.",
        )
        _add_options(parser, family)
        parser.set_defaults(handler=run)
    register_digits(families)


def _add_options(parser: argparse.ArgumentParser, family: ModelFamily) -> None:
    d = DEFAULTS
    add = parser.add_argument
    names = ", ".join(datasets)
    add("--dataset", default=d.dataset, help=f"{names} (default: %(default)s)")
    add("--pts", type=int, default=d.pts, help="training points (default: %(default)s)")
    add(
        "--hidden",
        type=int,
        default=None,
        help=f"units per hidden layer (default: {d.hidden}; the lecture model has 2)",
    )
    if family.name == "scalar":
        add(
            "--model",
            choices=NETWORKS,
            default=d.network,
            help="course: the course's 2 -> hidden -> hidden -> 1 network; lecture: "
            "the lecture's unit1, unit2 (ReLU) and unit3 (default: %(default)s)",
        )
    add("--lr", type=float, default=d.lr, help="learning rate (default: %(default)s)")
    add("--epochs", type=int, default=d.epochs, help="epochs (default: %(default)s)")
    add(
        "--seed",
        type=int,
        default=d.seed,
        help="seed of the data and the weights (default: %(default)s)",
    )
    add(
        "--optimizer",
        choices=OPTIMIZERS,
        default=d.optimizer,
        help=f"update rule; momentum uses {MOMENTUM} (default: %(default)s)",
    )
    if family.batched:
        add(
            "--batch-size",
            type=int,
            default=None,
            help="points per step (default: all)",
        )
        add(
            "--backend",
            choices=BACKENDS,
            default=d.backend,
            help="simple (pure Python), fast (numba) or cuda (default: %(default)s)",
        )
    add("--out", default=None, help="output directory (default: runs/MODEL-DATASET)")
    add(
        "--log-every",
        type=int,
        default=10,
        help="print 'Epoch N loss L correct C/N time T' every N epochs and at the "
        "end; T is the mean seconds per epoch since the previous line "
        "(default: %(default)s)",
    )
    add("--log-scale", action="store_true", help="log-scaled loss axis in loss.png")
    add("--quiet", action="store_true", help="no progress bar, no epoch lines")


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


class _Reporter:
    """Turns ``fit``'s per-epoch callbacks into the progress bar and log lines."""

    def __init__(self, log_every: int, quiet: bool, out: TextIO, err: TextIO) -> None:
        self.log_every = log_every
        self.quiet = quiet
        self.out = out
        self.bar: ProgressBar | None = None
        if not quiet and err.isatty():
            self.bar = ProgressBar(0, err)
        self._seconds = 0.0
        self._count = 0

    def __call__(self, log: EpochLog) -> None:
        self._seconds += log.seconds
        self._count += 1
        if self.quiet:
            return
        if log.epoch % self.log_every == 0 or log.epoch == log.epochs:
            if self.bar is not None:
                self.bar.clear()
            print(
                f"Epoch {log.epoch} loss {log.loss:.6f} correct {log.correct}/"
                f"{log.total} time {self._seconds / self._count:.4f}s",
                file=self.out,
                flush=True,
            )
            self._seconds, self._count = 0.0, 0
        if self.bar is not None:
            self.bar.total = log.epochs
            self.bar.update(log.epoch, f"loss {log.loss:.4f}")

    def close(self) -> None:
        """Take the bar off the screen."""
        if self.bar is not None:
            self.bar.clear()


def run(args: argparse.Namespace) -> int:
    """Handle ``minitorch train <model> ...``; return the exit code."""
    network = getattr(args, "model", DEFAULTS.network)
    hidden = args.hidden
    if hidden is None:
        hidden = LECTURE_HIDDEN if network == "lecture" else DEFAULTS.hidden
    config = TrainConfig(
        model=args.family,
        network=network,
        dataset=args.dataset,
        pts=args.pts,
        hidden=hidden,
        lr=args.lr,
        epochs=args.epochs,
        seed=args.seed,
        optimizer=args.optimizer,
        batch_size=getattr(args, "batch_size", None),
        backend=getattr(args, "backend", TrainConfig.backend),
    )
    try:
        config = config.validated()
    except ConfigError as e:
        return _error(str(e))
    if args.log_every < 1:
        return _error(f"--log-every must be a positive integer, got {args.log_every}")
    out = Path(args.out or f"runs/{config.model}-{config.dataset.lower()}")
    problem = check_writable(out)
    if problem:
        return _error(problem)

    reporter = _Reporter(args.log_every, args.quiet, sys.stdout, sys.stderr)
    if FAMILIES[config.model].batched and not args.quiet:  # only those have backends
        note_compiling(config.backend, sys.stderr)
    try:
        result = fit(config, on_epoch=reporter)
    except ConfigError as e:
        return _error(str(e))
    finally:
        reporter.close()
    try:
        save_run(result, out, log_scale=args.log_scale)
    except OSError as e:
        print(f"error: could not write results to {str(out)!r}: {e}", file=sys.stderr)
        return 1
    _summary(result, out)
    if result.status == "diverged":
        print(
            f"error: the loss became NaN/inf at epoch {result.diverged_epoch}; "
            f"saved the last finite weights (try a smaller --lr)",
            file=sys.stderr,
        )
        return EXIT_DIVERGED
    if result.status == "interrupted":
        print(
            f"interrupted after {result.epochs_completed} epochs; saved the run so far",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return 0


def _summary(result: FitResult, out: Path) -> None:
    c = result.config
    loss = "n/a" if math.isnan(result.final_loss) else f"{result.final_loss:.6f}"
    per_epoch = result.seconds_per_epoch
    timing = "n/a" if math.isnan(per_epoch) else f"{per_epoch:.4f}"
    n = result.epochs_completed
    epochs = f"{n} epoch{'' if n == 1 else 's'}"
    print(
        f"{c.dataset} ({c.model}, hidden {c.hidden}, {c.optimizer} lr {c.lr:g}, "
        f"seed {c.seed}): {result.status} after {epochs}, "
        f"final loss {loss}, correct {result.final_correct}/{result.total}, "
        f"{timing} s/epoch"
    )
    print(f"wrote {out}/: metrics.json model.npz snapshots.npz loss.png boundary.png")
