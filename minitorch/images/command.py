"""``minitorch train digits``: train the CNN on the 8×8 digits, write a run directory.

Exit codes as for the other ``train`` commands: 0 done, 2 bad arguments, 3 the loss
diverged (NaN/inf), 130 interrupted (Ctrl-C), 1 results could not be written.
Whatever was trained is saved in every case but a user error.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from pathlib import Path
from typing import TextIO

import numba

from ..train.progress import ProgressBar, note_compiling
from ..train.runs import check_writable
from .config import BACKENDS, OPTIMIZERS, DigitsConfig, DigitsConfigError
from .runs import FILES, save_digits_run
from .train import DigitsEpoch, DigitsResult, fit_digits

EXIT_WRITE = 1
EXIT_USAGE = 2
EXIT_DIVERGED = 3
EXIT_INTERRUPTED = 130
DEFAULTS = DigitsConfig()
DEFAULT_OUT = "runs/digits"


def register_digits(
    families: argparse._SubParsersAction[argparse.ArgumentParser],
) -> None:
    """Add ``digits`` next to the 2-D model families of ``minitorch train``."""
    parser = families.add_parser(
        "digits",
        help="a small CNN on scikit-learn's 8x8 handwritten digits",
        description="Train a small CNN on scikit-learn's 8x8 handwritten digits "
        "(1797 images, 80/20 stratified split, nothing downloaded).",
        epilog="Exit codes: 0 done, 2 bad arguments, 3 loss diverged (NaN/inf), "
        "130 interrupted. Results so far are saved on 3 and 130.",
    )
    d = DEFAULTS
    add = parser.add_argument
    add("--epochs", type=int, default=d.epochs, help="epochs (default: %(default)s)")
    add(
        "--batch-size",
        type=int,
        default=d.batch_size,
        help="images per step (default: %(default)s)",
    )
    add("--lr", type=float, default=d.lr, help="learning rate (default: %(default)s)")
    add(
        "--seed",
        type=int,
        default=d.seed,
        help="seed of the split, weights, batches and dropout (default: %(default)s)",
    )
    add(
        "--optimizer",
        choices=OPTIMIZERS,
        default=d.optimizer,
        help="update rule (default: %(default)s)",
    )
    add(
        "--channels",
        type=int,
        nargs=2,
        metavar=("C1", "C2"),
        default=list(d.channels),
        help="channels of the two conv layers (default: %(default)s)",
    )
    add(
        "--dropout",
        type=float,
        default=d.dropout,
        help="dropout rate before the last layer (default: %(default)s)",
    )
    add(
        "--limit",
        type=int,
        default=None,
        help="train on only the first N training images (default: all)",
    )
    add(
        "--backend",
        choices=BACKENDS,
        default=d.backend,
        help="fast (numba) or simple (pure Python) (default: %(default)s)",
    )
    add(
        "--threads",
        type=int,
        default=None,
        help="numba threads for the fast backend; 1 is several times faster when "
        "other jobs share the cores (default: numba's, one per core)",
    )
    add("--out", default=DEFAULT_OUT, help="output directory (default: %(default)s)")
    add("--quiet", action="store_true", help="no progress bar, no epoch lines")
    parser.set_defaults(handler=run_digits)


def _error(message: str) -> int:
    print(f"error: {message}", file=sys.stderr)
    return EXIT_USAGE


class _Reporter:
    """A progress bar over each epoch's steps and one line per finished epoch."""

    def __init__(self, quiet: bool, out: TextIO, err: TextIO) -> None:
        self.quiet = quiet
        self.out = out
        self.err = err
        self.bar: ProgressBar | None = None
        self.show_bar = not quiet and err.isatty()
        self.epoch = 1

    def on_batch(self, done: int, batches: int, loss: float) -> None:
        """Redraw the bar for this epoch's ``done`` of ``batches`` steps."""
        if not self.show_bar:
            return
        if self.bar is None:
            self.bar = ProgressBar(batches, self.err)
        self.bar.update(done, f"epoch {self.epoch} loss {loss:.4f}")

    def on_epoch(self, log: DigitsEpoch) -> None:
        """Clear the bar and print the epoch's line."""
        self.close()
        self.epoch = log.epoch + 1
        if self.quiet:
            return
        print(
            f"Epoch {log.epoch} loss {log.train_loss:.4f} "
            f"train_acc {log.train_accuracy:.4f} val_acc {log.val_accuracy:.4f} "
            f"time {log.seconds:.2f}s",
            file=self.out,
            flush=True,
        )

    def close(self) -> None:
        """Take the bar off the screen (a new one starts with the next epoch)."""
        if self.bar is not None:
            self.bar.clear()
            self.bar = None


def run_digits(args: argparse.Namespace) -> int:
    """Handle ``minitorch train digits ...``; return the exit code."""
    config = DigitsConfig(
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        optimizer=args.optimizer,
        channels=tuple(args.channels),
        dropout=args.dropout,
        limit=args.limit,
        backend=args.backend,
    )
    try:
        config = config.validated()
    except DigitsConfigError as e:
        return _error(str(e))
    most = int(numba.config.NUMBA_NUM_THREADS)  # type: ignore[attr-defined]
    threads = most if args.threads is None else args.threads
    if not 1 <= threads <= most:
        return _error(f"--threads must be between 1 and {most}, got {threads}")
    out = Path(args.out)
    problem = check_writable(out)
    if problem:
        return _error(problem)
    before = numba.get_num_threads()
    numba.set_num_threads(threads)
    try:
        return _train_and_save(config, out, args.quiet)
    finally:
        numba.set_num_threads(before)  # the process may go on (tests, notebooks)


def _train_and_save(config: DigitsConfig, out: Path, quiet: bool) -> int:
    """Train, write the run directory and report; return the exit code."""
    reporter = _Reporter(quiet, sys.stdout, sys.stderr)
    if not quiet:
        note_compiling(config.backend, sys.stderr)
    began = time.perf_counter()
    try:
        result = fit_digits(
            config, on_epoch=reporter.on_epoch, on_batch=reporter.on_batch
        )
    finally:
        reporter.close()
    wall = time.perf_counter() - began
    try:
        save_digits_run(result, out)
    except OSError as e:
        print(f"error: could not write results to {str(out)!r}: {e}", file=sys.stderr)
        return EXIT_WRITE
    _summary(result, out, wall)
    if result.status == "diverged":
        print(
            f"error: the loss became NaN/inf at epoch {result.diverged_epoch}; "
            "saved the last finite weights (try a smaller --lr)",
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


def _summary(result: DigitsResult, out: Path, wall: float) -> None:
    c = result.config
    per_epoch = result.seconds_per_epoch
    timing = "n/a" if math.isnan(per_epoch) else f"{per_epoch:.2f}"
    best = result.best_val_accuracy
    best_text = "n/a" if math.isnan(best) else f"{best:.4f}"
    n = result.epochs_completed
    print(
        f"digits (channels {c.channels[0]},{c.channels[1]}, {c.optimizer} lr "
        f"{c.lr:g}, batch {c.batch_size}, seed {c.seed}, "
        f"{len(result.split.train_labels)} training images): {result.status} after "
        f"{n} epoch{'' if n == 1 else 's'}, val_acc {result.final_val_accuracy:.4f} "
        f"(best {best_text}), {timing} s/epoch, {wall:.1f} s in all"
    )
    print(f"wrote {out}/: {' '.join(FILES)}")
