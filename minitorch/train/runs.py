"""A 2-D run directory: write a ``FitResult`` to disk, and rebuild a trained model.

Layout: ``metrics.json`` (config, status, histories), ``model.npz`` (checkpoint with
the config as metadata), ``snapshots.npz`` (weights at a few epochs), ``loss.png``
and ``boundary.png``. The directory is written as one unit (``rundir.py``).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np

from ..checkpoint import (
    CheckpointError,
    load_arrays,
    load_checkpoint,
    save_arrays,
)
from ..datasets import Graph
from ..module import Module
from .config import TrainConfig
from .families import get_family
from .fit import FitResult, State, load_data
from .run_checkpoint import MODEL, load_run_config, save_run_checkpoint
from .rundir import MARKER, finite_or_none, run_directory, write_json

METRICS = MARKER
SNAPSHOTS = "snapshots.npz"
LOSS_PLOT = "loss.png"
BOUNDARY_PLOT = "boundary.png"
FILES = (METRICS, MODEL, SNAPSHOTS, LOSS_PLOT, BOUNDARY_PLOT)
FORMAT_VERSION = 1


def metrics_dict(result: FitResult) -> dict[str, Any]:
    """The JSON content of ``metrics.json`` for ``result``.

    ``final_loss`` and ``correct_last_epoch`` are the last epoch line's numbers
    (the weights it started from); ``final_weights_loss`` and ``correct`` those of
    the saved weights.
    """
    config = result.config
    return {
        "format_version": FORMAT_VERSION,
        "status": result.status,
        "model": config.model,
        "dataset": config.dataset,
        "epochs": result.epochs_completed,
        "final_loss": finite_or_none(result.final_loss),
        "final_weights_loss": finite_or_none(result.final_weights_loss),
        "correct": result.final_correct,
        "total": result.total,
        "correct_last_epoch": result.correct,
        "seconds_per_epoch": finite_or_none(result.seconds_per_epoch),
        "diverged_epoch": result.diverged_epoch,
        "config": config.to_dict(),
        "loss_history": result.loss_history,
        "correct_history": result.correct_history,
        "files": [MODEL, SNAPSHOTS, LOSS_PLOT, BOUNDARY_PLOT],
    }


def write_run_files(
    result: FitResult, directory: Path, log_scale: bool = False
) -> dict[str, Path]:
    """Write every file of a run into ``directory``; return the paths by kind."""
    from .plots import boundary_figure, loss_figure, save_figure

    paths = {
        "model": directory / MODEL,
        "snapshots": directory / SNAPSHOTS,
        "metrics": directory / METRICS,
        "loss": directory / LOSS_PLOT,
        "boundary": directory / BOUNDARY_PLOT,
    }
    save_run_checkpoint(result, result.config, paths["model"])
    save_snapshots(paths["snapshots"], result.snapshots, result.config)
    write_json(paths["metrics"], metrics_dict(result))
    c = result.config
    title = f"{c.dataset} · {c.model} · hidden {c.hidden} · lr {c.lr:g}"
    loss = loss_figure(
        result.loss_history,
        result.correct_history,
        result.total,
        title=f"Loss · {title}",
        log_scale=log_scale,
    )
    save_figure(loss, paths["loss"])
    family, model = result.family, result.model
    boundary = boundary_figure(
        lambda points: family.predict(model, points),
        result.data,
        title=f"{title} · {result.final_correct}/{result.total} correct",
    )
    save_figure(boundary, paths["boundary"])
    return paths


def save_run(
    result: FitResult, out: str | os.PathLike[str], log_scale: bool = False
) -> dict[str, Path]:
    """Write a run directory ``out`` as one unit, replacing any run there.

    Returns the files' final paths by kind.
    """
    with run_directory(out) as staging:
        written = write_run_files(result, staging, log_scale)
    return {kind: Path(out) / path.name for kind, path in written.items()}


def save_snapshots(
    path: str | os.PathLike[str],
    snapshots: list[tuple[int, State]],
    config: TrainConfig,
) -> None:
    """Store ``(epoch, state_dict)`` pairs: one array per parameter, epochs first.

    Stacking keeps the file small (one archive entry per parameter, not per epoch).
    """
    names = list(snapshots[0][1]) if snapshots else []
    arrays = {name: np.stack([state[name] for _, state in snapshots]) for name in names}
    meta = {"epochs": [e for e, _ in snapshots], "config": config.to_dict()}
    save_arrays(path, arrays, meta)


def load_snapshots(run_dir: str | os.PathLike[str]) -> list[tuple[int, State]]:
    """The weight snapshots of a run as ``(epoch, state_dict)``, in epoch order.

    Epoch 0 holds the initial weights; the last entry holds the weights in
    ``model.npz``. Each state fits ``Module.load_state_dict`` of the run's model.

    Raises:
        FileNotFoundError: if the run has no snapshots file.
        CheckpointError: if the file is not a snapshots file.
    """
    path = Path(run_dir) / SNAPSHOTS
    arrays, meta = load_arrays(path)
    epochs = meta.get("epochs")
    if not isinstance(epochs, list) or not all(isinstance(e, int) for e in epochs):
        raise CheckpointError(f"{str(path)!r} lists no snapshot epochs")
    for name, stacked in arrays.items():
        if stacked.ndim == 0 or stacked.shape[0] != len(epochs):
            raise CheckpointError(
                f"{str(path)!r}: entry {name!r} has shape {stacked.shape}, expected "
                f"{len(epochs)} snapshots first"
            )
    return [
        (epoch, {name: stacked[i] for name, stacked in arrays.items()})
        for i, epoch in enumerate(epochs)
    ]


def load_config(run_dir: str | os.PathLike[str]) -> TrainConfig:
    """The config a run was trained with, read from its checkpoint's metadata.

    Raises:
        FileNotFoundError: if the run has no ``model.npz``.
        CheckpointError: if the checkpoint carries no valid config.
    """
    return load_run_config(Path(run_dir) / MODEL, TrainConfig, "training")


def load_run(run_dir: str | os.PathLike[str]) -> tuple[Module, Graph, TrainConfig]:
    """Rebuild a run's trained model and its dataset from the run directory.

    The dataset is regenerated from the saved config (same seed, same points).

    Raises:
        FileNotFoundError: if ``run_dir`` has no ``model.npz``.
        CheckpointError: if the checkpoint is unreadable or does not fit the model.
    """
    config = load_config(run_dir)
    model = get_family(config.model).build(config)
    load_checkpoint(model, Path(run_dir) / MODEL)
    return model, load_data(config), config
