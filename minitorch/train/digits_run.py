"""A digits run directory: ``model.npz``, ``metrics.json`` and four pictures.

``write_digits_files`` fills one (``train digits`` writes it as a unit);
``load_digits_model`` rebuilds the model.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from ..checkpoint import load_checkpoint
from ..images.model import DigitsCNN
from .device import threads_in_use
from .digits import DigitsResult, build_model
from .digits_config import DigitsConfig
from .run_checkpoint import MODEL, load_run_config, save_run_checkpoint
from .rundir import MARKER, finite_or_none, write_json
from .validated import history_columns

METRICS = MARKER
LOSS_PLOT = "loss.png"
ACCURACY_PLOT = "accuracy.png"
CONFUSION_PLOT = "confusion.png"
SAMPLES_PLOT = "samples.png"
FILES = (MODEL, METRICS, LOSS_PLOT, ACCURACY_PLOT, CONFUSION_PLOT, SAMPLES_PLOT)
FORMAT_VERSION = 1


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
        "history": history_columns(history),
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

    save_run_checkpoint(result, result.config, directory / MODEL)
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


def load_digits_model(
    run_dir: str | os.PathLike[str],
) -> tuple[DigitsCNN, DigitsConfig]:
    """The trained model of a run and its config, from ``model.npz``.

    Raises:
        FileNotFoundError: if the run has no ``model.npz``.
        CheckpointError: if the checkpoint is unreadable or carries no valid config.
    """
    path = Path(run_dir) / MODEL
    config = load_run_config(path, DigitsConfig, "digits")
    model = build_model(config)
    load_checkpoint(model, path)
    model.eval()
    return model, config
