"""A digits run directory: write a ``DigitsResult`` to disk, rebuild its model.

Files (each written atomically): ``model.npz`` first, then ``metrics.json``, then
the pictures, so the files that matter most exist even if drawing fails.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numba

from ..checkpoint import CheckpointError, load_arrays, load_checkpoint, save_checkpoint
from ..train.runs import finite_or_none, write_json
from .config import DigitsConfig, DigitsConfigError
from .model import DigitsCNN
from .plots import plot_confusion, plot_curves, plot_samples
from .train import DigitsResult, build_model

METRICS = "metrics.json"
MODEL = "model.npz"
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
        "numba_threads": numba.get_num_threads(),
        "files": list(FILES),
    }


def save_digits_run(result: DigitsResult, out: str | os.PathLike[str]) -> None:
    """Write every file of the run into ``out`` (created if missing)."""
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    meta = {
        "config": result.config.to_dict(),
        "status": result.status,
        "epochs": result.epochs_completed,
    }
    save_checkpoint(result.model, out_dir / MODEL, meta)
    write_json(out_dir / METRICS, metrics_dict(result))
    history = result.history
    c = result.config
    title = f"digits · {c.optimizer} lr {c.lr:g} · batch {c.batch_size}"
    plot_curves(
        out_dir / LOSS_PLOT,
        [e.train_loss for e in history],
        [e.val_loss for e in history],
        "mean NLL loss",
        f"Loss · {title}",
    )
    plot_curves(
        out_dir / ACCURACY_PLOT,
        [e.train_accuracy for e in history],
        [e.val_accuracy for e in history],
        "accuracy",
        f"Accuracy · {title}",
    )
    accuracy = result.validation.accuracy
    plot_confusion(
        out_dir / CONFUSION_PLOT,
        result.confusion(),
        f"Validation confusion · accuracy {accuracy:.1%}",
    )
    split = result.split
    plot_samples(
        out_dir / SAMPLES_PLOT,
        split.val_images,
        split.val_labels,
        result.validation.predictions,
    )


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
    except (TypeError, DigitsConfigError) as e:
        raise CheckpointError(f"{str(path)!r} has an invalid config: {e}") from e
    model = build_model(config)
    load_checkpoint(model, path)
    model.eval()
    return model, config
