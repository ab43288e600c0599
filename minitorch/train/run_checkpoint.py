"""A run's ``model.npz``: its weights with the config, status and epoch count.

The config in the metadata is what rebuilds the model later (``load_run``,
``predict``, the web app), so reading it back checks it like user input.
"""

from __future__ import annotations

import os
from typing import Any, TypeVar

from ..checkpoint import CheckpointError, load_arrays, save_checkpoint
from .config import ConfigError, RunConfig
from .loop import Training

MODEL = "model.npz"  # the checkpoint's name in every run directory
C = TypeVar("C", bound=RunConfig)


def save_run_checkpoint(
    run: Training[Any], config: RunConfig, path: str | os.PathLike[str]
) -> None:
    """Write ``run``'s kept weights to ``path``, with ``config`` and how it ended."""
    meta = {
        "config": config.to_dict(),
        "status": run.status,
        "epochs": run.epochs_completed,
    }
    save_checkpoint(run.model, path, meta)


def load_run_config(path: str | os.PathLike[str], config_type: type[C], kind: str) -> C:
    """The ``config_type`` stored in the checkpoint at ``path`` (``kind`` names it).

    Raises:
        FileNotFoundError: if there is no file at ``path``.
        CheckpointError: if the file is unreadable or holds no valid config.
    """
    _, meta = load_arrays(path)
    raw = meta.get("config")
    if not isinstance(raw, dict):
        raise CheckpointError(f"{str(path)!r} has no {kind} config in its metadata")
    try:
        return config_type.from_dict(raw)
    except ConfigError as e:
        raise CheckpointError(f"{str(path)!r} has an invalid config: {e}") from e
