"""``minitorch train digits``: the digits CNN as an app of the harness.

Its run directory holds ``model.npz``, ``metrics.json`` and four pictures.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..checkpoint import CheckpointError, load_arrays, load_checkpoint, save_checkpoint
from ..images.data import SIDE
from ..images.model import KERNEL, DigitsCNN
from .app import App
from .config import ConfigError
from .device import add_backend_options, threads_in_use
from .digits import (
    BACKENDS,
    EVAL_BATCH,
    DigitsConfig,
    DigitsEpoch,
    DigitsResult,
    build_model,
    fit_digits,
)
from .loop import StepHook, StopCheck
from .rundir import MARKER, finite_or_none, run_directory, write_json

METRICS = MARKER
MODEL = "model.npz"
LOSS_PLOT = "loss.png"
ACCURACY_PLOT = "accuracy.png"
CONFUSION_PLOT = "confusion.png"
SAMPLES_PLOT = "samples.png"
FILES = (MODEL, METRICS, LOSS_PLOT, ACCURACY_PLOT, CONFUSION_PLOT, SAMPLES_PLOT)
FORMAT_VERSION = 1
# float64 copies alive at once per weight (value, gradient, Adam's two moments)
# and per activation cell (forward values, gradients, pooling and conv scratch).
WEIGHT_COPIES = 4
ACTIVATION_COPIES = 8


class DigitsApp(App):
    """A small CNN on scikit-learn's 8×8 handwritten digits."""

    name = "digits"
    description = "a small CNN on scikit-learn's 8x8 handwritten digits"
    config_type = DigitsConfig
    log_every = 1

    def add_options(self, parser: argparse.ArgumentParser) -> None:
        """``--batch-size --channels --dropout --limit``."""
        d = DigitsConfig()
        add = parser.add_argument
        add(
            "--batch-size",
            type=int,
            default=d.batch_size,
            help="images per step (default: %(default)s)",
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
        add_backend_options(parser, BACKENDS, d.backend)

    def memory_bytes(self, config: DigitsConfig) -> int:
        """Weights and one batch's activations (the data is a fixed 0.9 MB)."""
        c1, c2 = config.channels
        taps = KERNEL[0] * KERNEL[1]
        weights = c1 * taps + c1 + c1 * c2 * taps + c2 + c2 * SIDE * SIDE // 4 * 10
        cells = (c1 + c2) * SIDE * SIDE
        batch = max(config.batch_size, EVAL_BATCH)
        return (weights * WEIGHT_COPIES + batch * cells * ACTIVATION_COPIES) * 8

    def fit(
        self,
        config: DigitsConfig,
        on_epoch: Callable[[Any], None],
        on_step: StepHook,
        should_stop: StopCheck | None = None,
    ) -> DigitsResult:
        """``fit_digits``, reporting every step."""
        return fit_digits(config, on_epoch, on_step, should_stop)

    def log_line(self, log: DigitsEpoch) -> str:
        """``Epoch N loss L train_acc A val_acc V``."""
        return (
            f"Epoch {log.epoch} loss {log.train_loss:.4f} "
            f"train_acc {log.train_accuracy:.4f} val_acc {log.val_accuracy:.4f}"
        )

    def summary(self, result: DigitsResult) -> str:
        """How the run ended and the kept weights' validation accuracy."""
        c = result.config
        per_epoch = result.seconds_per_epoch
        timing = "n/a" if math.isnan(per_epoch) else f"{per_epoch:.2f}"
        best = result.best_val_accuracy
        best_text = "n/a" if math.isnan(best) else f"{best:.4f}"
        n = result.epochs_completed
        return (
            f"digits (channels {c.channels[0]},{c.channels[1]}, {c.optimizer} lr "
            f"{c.lr:g}, batch {c.batch_size}, seed {c.seed}, "
            f"{len(result.split.train_labels)} training images): {result.status} "
            f"after {n} epoch{'' if n == 1 else 's'}, {timing} s/epoch; final "
            f"weights: val_acc {result.final_val_accuracy:.4f} (best {best_text})"
        )

    def save(
        self, result: DigitsResult, out: Path, args: argparse.Namespace
    ) -> list[str]:
        """The checkpoint, metrics and the four pictures."""
        write_digits_files(result, out)
        return list(FILES)


def metrics_dict(result: DigitsResult) -> dict[str, Any]:
    """The JSON content of ``metrics.json``."""
    history = result.history
    best = max(history, key=lambda e: e.val_accuracy, default=None)
    validation = result.validation
    return {
        "format_version": FORMAT_VERSION,
        "status": result.status,
        "epochs_completed": result.epochs_completed,
        "diverged_epoch": result.diverged_epoch,
        "config": result.config.to_dict(),
        "train_images": len(result.split.train_labels),
        "val_images": len(result.split.val_labels),
        "history": {
            "train_loss": [e.train_loss for e in history],
            "train_accuracy": [e.train_accuracy for e in history],
            "val_loss": [e.val_loss for e in history],
            "val_accuracy": [e.val_accuracy for e in history],
            "seconds": [e.seconds for e in history],
        },
        "final_val_accuracy": validation.accuracy,
        "final_val_loss": finite_or_none(validation.loss),
        "best_val_accuracy": finite_or_none(result.best_val_accuracy),
        "best_epoch": None if best is None else best.epoch,
        "confusion_matrix": result.confusion().tolist(),
        "seconds_per_epoch": finite_or_none(result.seconds_per_epoch),
        "total_seconds": sum(e.seconds for e in history),
        "numba_threads": threads_in_use(),
        "files": list(FILES),
    }


def write_digits_files(result: DigitsResult, directory: Path) -> None:
    """Write every file of the run into ``directory``."""
    from .digits_plots import confusion_figure, samples_figure
    from .plots import curves_figure, save_figure

    meta = {
        "config": result.config.to_dict(),
        "status": result.status,
        "epochs": result.epochs_completed,
    }
    save_checkpoint(result.model, directory / MODEL, meta)
    write_json(directory / METRICS, metrics_dict(result))
    history = result.history
    c = result.config
    title = f"digits · {c.optimizer} lr {c.lr:g} · batch {c.batch_size}"
    split, validation = result.split, result.validation
    figures = {
        LOSS_PLOT: curves_figure(
            [e.train_loss for e in history],
            [e.val_loss for e in history],
            "mean NLL loss",
            f"Loss · {title}",
        ),
        ACCURACY_PLOT: curves_figure(
            [e.train_accuracy for e in history],
            [e.val_accuracy for e in history],
            "accuracy",
            f"Accuracy · {title}",
        ),
        CONFUSION_PLOT: confusion_figure(
            result.confusion(),
            f"Validation confusion · accuracy {validation.accuracy:.1%}",
        ),
        SAMPLES_PLOT: samples_figure(
            split.val_images, split.val_labels, validation.predictions
        ),
    }
    for name, figure in figures.items():
        save_figure(figure, directory / name)


def save_digits_run(result: DigitsResult, out: str | os.PathLike[str]) -> None:
    """Write the run directory ``out`` as one unit, replacing any run there."""
    with run_directory(out) as staging:
        write_digits_files(result, staging)


def load_digits_model(
    run_dir: str | os.PathLike[str],
) -> tuple[DigitsCNN, DigitsConfig]:
    """The trained model of a run and its config, from ``model.npz``.

    Raises:
        FileNotFoundError: if the run has no ``model.npz``.
        CheckpointError: if the checkpoint is unreadable or carries no valid config.
    """
    path = Path(run_dir) / MODEL
    _, meta = load_arrays(path)
    raw = meta.get("config")
    if not isinstance(raw, dict):
        raise CheckpointError(f"{str(path)!r} has no digits config in its metadata")
    try:
        config = DigitsConfig.from_dict(raw)
    except ConfigError as e:
        raise CheckpointError(f"{str(path)!r} has an invalid config: {e}") from e
    model = build_model(config)
    load_checkpoint(model, path)
    model.eval()
    return model, config
