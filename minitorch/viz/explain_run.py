"""A scalar training run read back for ``explain-network``, every file checked first.

The checkpoint's metadata decides what gets built, so it is checked before any model
or dataset is allocated: the config's field types, its hidden size against the
weights actually stored, its point count against ``MAX_POINTS``. Weights and
snapshots must be finite and fit the model; any failure is one ``CheckpointError``.
"""

from __future__ import annotations

import typing
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from ..checkpoint import CheckpointError, check_finite, load_arrays, load_checkpoint
from ..datasets import Graph
from ..module import Module
from ..train import TrainConfig, get_family, load_data, load_snapshots
from ..train.run_checkpoint import MODEL
from ..train.runs import SNAPSHOTS

State = dict[str, npt.NDArray[np.float64]]
# The pictures scatter every point; a scalar run of more points than this would
# have taken days to train, so the metadata asking for it is not believed.
MAX_POINTS = 100_000
_HIDDEN_BIAS = "layer1.bias_"


@dataclass(frozen=True)
class ExplainRun:
    """The trained scalar network, its dataset and its weight snapshots."""

    model: Module
    data: Graph
    snapshots: list[tuple[int, State]]


def _type_ok(value: Any, hint: Any) -> bool:
    if isinstance(value, bool) and hint is not bool:
        return False
    if hint is float:
        return isinstance(value, int | float)
    return isinstance(value, hint)


def _config(meta: dict[str, Any], where: str) -> TrainConfig:
    raw = meta.get("config")
    if not isinstance(raw, dict):
        raise CheckpointError(f"{where} has no training config in its metadata")
    hints = typing.get_type_hints(TrainConfig)
    for f in fields(TrainConfig):
        hint = hints[f.name]
        if f.name in raw and not _type_ok(raw[f.name], hint):
            expected = hint.__name__ if isinstance(hint, type) else str(hint)
            raise CheckpointError(
                f"{where}: config.{f.name} must be {expected}, got "
                f"{type(raw[f.name]).__name__}"
            )
    try:
        return TrainConfig.from_dict(raw)
    except (TypeError, ValueError) as e:
        raise CheckpointError(f"{where} has an invalid config: {e}") from e


def _check_sizes(config: TrainConfig, arrays: dict[str, Any], where: str) -> None:
    """The config's sizes against the stored weights, before anything is built."""
    hidden = sum(1 for name in arrays if name.startswith(_HIDDEN_BIAS))
    if config.hidden != hidden:
        raise CheckpointError(
            f"{where}: its metadata says hidden = {config.hidden} but it stores "
            f"{hidden} first-layer biases"
        )
    # The second layer alone holds hidden x hidden weights: a file with fewer
    # entries cannot fit, and the model built next stays as small as the file.
    if hidden * hidden > len(arrays):
        raise CheckpointError(
            f"{where}: {len(arrays)} entries cannot hold a network of {hidden} "
            "hidden units"
        )
    if config.pts > MAX_POINTS:
        raise CheckpointError(
            f"{where}: its metadata asks for {config.pts} points; explain-network "
            f"draws runs of up to {MAX_POINTS}"
        )


def _check_snapshots(
    snapshots: list[tuple[int, State]], model: Module, where: str
) -> None:
    expected = {k: v.shape for k, v in model.state_dict().items()}
    for epoch, state in snapshots:
        shapes = {k: v.shape for k, v in state.items()}
        if shapes != expected:
            wrong = sorted(set(shapes) ^ set(expected)) or sorted(
                k for k in shapes if shapes[k] != expected[k]
            )
            raise CheckpointError(
                f"{where}: the snapshot of epoch {epoch} does not fit the model "
                f"(first mismatch: {wrong[0]!r})"
            )
        check_finite(state, f"{where} (epoch {epoch})")


def load_explain_run(run_dir: str | Path) -> ExplainRun:
    """Read the scalar run in ``run_dir``: model, regenerated data and snapshots.

    Raises:
        FileNotFoundError: if ``run_dir`` has no ``model.npz``.
        CheckpointError: for any file that is unreadable, inconsistent, beyond the
            budgets, or not a scalar run.
    """
    path = Path(run_dir) / MODEL
    where = repr(str(path))
    arrays, meta = load_arrays(path)
    config = _config(meta, where)
    if config.model != "scalar":
        raise CheckpointError(
            f"{where} holds a {config.model!r} model; explain-network draws the "
            "course's scalar Network"
        )
    if config.network == "lecture":
        run = str(run_dir)
        raise CheckpointError(
            f"{run!r} holds the lecture network; draw it with "
            f"'minitorch lecture 1.4 --run {run}'"
        )
    _check_sizes(config, arrays, where)
    model = get_family(config.model).build(config)
    load_checkpoint(model, path)
    try:
        snapshots = load_snapshots(run_dir)
    except FileNotFoundError:
        snapshots = []
    _check_snapshots(snapshots, model, repr(str(Path(run_dir) / SNAPSHOTS)))
    return ExplainRun(model, load_data(config), snapshots)
