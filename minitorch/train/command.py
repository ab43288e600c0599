"""``minitorch train <app>``: the one driver every app trains through.

It reads the options into the app's config, checks the run fits in memory and
that ``--out`` can take it before any work starts, trains with the progress bar
and epoch lines, saves the run directory as one unit, prints the summary and
returns the exit code: 0 success, 2 user error, 3 the loss diverged (NaN/inf),
130 interrupted (Ctrl-C or SIGTERM); 1 if results could not be written. Whatever
was trained is saved in every case but a user error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from .app import App, Hooks, add_config_options
from .config import MOMENTUM, OPTIMIZERS, ConfigError, RunConfig
from .device import COMPILED_BACKENDS, note_compiling, using_threads
from .exits import EXIT_DIVERGED, EXIT_INTERRUPTED, EXIT_WRITE, usage_error
from .progress import Reporter
from .rundir import check_out, run_directory, signals_deferred, signals_interrupt

EPILOG = (
    "Exit codes: 0 done, 2 bad arguments, 3 loss diverged (NaN/inf), 130 "
    "interrupted (Ctrl-C or SIGTERM). Results so far are saved on 3 and 130."
)
# The number options every app's config has, and their help.
SHARED_OPTIONS = {
    "lr": "learning rate",
    "epochs": "epochs",
    "seed": "seed of everything random in the run",
}
# A run may use at most this share of the machine's memory.
MEMORY_SHARE = 0.5


def register(
    subparsers: argparse._SubParsersAction[argparse.ArgumentParser],
    apps: Sequence[App],
) -> None:
    """Add ``train`` with one sub-subcommand per app (``minitorch/apps.py``)."""
    train = subparsers.add_parser(
        "train",
        help="train a model; writes plots, metrics and checkpoint",
        description="Train a model: "
        + "; ".join(f"{app.name}: {app.description}" for app in apps)
        + ".",
    )
    choices = train.add_subparsers(dest="app", metavar="MODEL", required=True)
    for app in apps:
        parser = choices.add_parser(
            app.name,
            help=app.description,
            description=f"Train {app.description}.",
            epilog=EPILOG,
        )
        app.add_options(parser)
        _add_shared_options(parser, app)
        parser.set_defaults(handler=run, train_app=app)


def _add_shared_options(parser: argparse.ArgumentParser, app: App) -> None:
    # An app whose config lacks a field (e.g. one fixed optimizer) lacks its option.
    d = app.config_type()
    shared = {name: text for name, text in SHARED_OPTIONS.items() if hasattr(d, name)}
    add_config_options(parser, d, shared)
    add = parser.add_argument
    if hasattr(d, "optimizer"):
        add(
            "--optimizer",
            choices=OPTIMIZERS,
            default=d.optimizer,
            help=f"update rule; momentum uses {MOMENTUM} (default: %(default)s)",
        )
    add("--out", default=None, help="output directory (default: runs/...)")
    add("--force", action="store_true", help="replace a run already in --out")
    add(
        "--log-every",
        type=int,
        default=app.log_every,
        help="print an epoch line every N epochs and after the last; its time is "
        "the mean seconds per epoch since the previous line (default: %(default)s)",
    )
    add("--quiet", action="store_true", help="no progress bar, no epoch lines")


def memory_limit() -> int:
    """The bytes one run may use: ``MEMORY_SHARE`` of this machine's memory."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        total = 8 * 2**30
    return int(total * MEMORY_SHARE)


def size_text(count: float) -> str:
    """Bytes as ``3.9 GB`` (powers of 1000)."""
    for unit in ("B", "kB", "MB", "GB", "TB", "PB"):
        if count < 1000 or unit == "PB":
            return f"{count:.3g} {unit}"
        count /= 1000
    raise AssertionError("unreachable")


def check_budget(app: App, config: RunConfig) -> str | None:
    """Why the run would not fit in memory, or ``None`` if it would."""
    need, limit = app.memory_bytes(config), memory_limit()
    if need <= limit:
        return None
    sizes = " ".join(
        f"--{name.replace('_', '-')} {_option_text(getattr(config, name))}"
        for name in ("pts", "hidden", "batch_size", "channels")
        if getattr(config, name, None) is not None
    )
    return (
        f"this run ({sizes}) needs about {size_text(need)} of memory; the limit is "
        f"{size_text(limit)} (half of this machine's memory)"
    )


def _option_text(value: object) -> str:
    if isinstance(value, tuple):
        return " ".join(str(v) for v in value)
    return str(value)


def run(args: argparse.Namespace) -> int:
    """Handle ``minitorch train <app> ...``; return the exit code."""
    app: App = args.train_app
    try:
        config = app.config(args)
    except ConfigError as e:
        return usage_error(str(e))
    if args.log_every < 1:
        return usage_error(
            f"--log-every must be a positive integer, got {args.log_every}"
        )
    problem = check_budget(app, config)
    if problem:
        return usage_error(problem)
    try:
        app.check(config)
    except ConfigError as e:
        return usage_error(str(e))
    threads = getattr(args, "threads", None)
    if threads is not None and threads < 1:
        return usage_error(f"--threads must be a positive integer, got {threads}")
    out = Path(args.out or app.default_out(config))
    problem = check_out(out, args.force)
    if problem:
        return usage_error(problem)
    try:
        with using_threads(threads):
            return _train_and_save(app, config, out, args)
    except ConfigError as e:
        return usage_error(str(e))


def _train_and_save(
    app: App, config: RunConfig, out: Path, args: argparse.Namespace
) -> int:
    """Train, write the run directory and report; return the exit code."""
    reporter = Reporter(app.legend, args.log_every, args.quiet, sys.stdout, sys.stderr)
    backend = getattr(config, "backend", None)
    if backend in COMPILED_BACKENDS and not args.quiet:
        note_compiling(str(backend), sys.stderr)
    try:
        with signals_interrupt():
            result = app.fit(config, Hooks(reporter.on_epoch, reporter.on_step))
    finally:
        reporter.close()
    with signals_deferred() as received:
        try:
            with run_directory(out) as staging:
                files = app.save(result, staging, args)
        except OSError as e:
            print(
                f"error: could not write results to {str(out)!r}: {e}", file=sys.stderr
            )
            return EXIT_WRITE
    print(app.summary(result))
    print(f"wrote {out}/: {' '.join(files)}")
    if result.status == "diverged":
        print(
            f"error: the loss became NaN/inf at epoch {result.diverged_epoch}; "
            "saved the last finite weights (try a smaller --lr)",
            file=sys.stderr,
        )
        return EXIT_DIVERGED
    if result.status == "interrupted" or received:
        print(
            f"interrupted after {result.epochs_completed} epochs; saved the run so far",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    return 0
