"""A sentiment run directory: write a ``SentimentResult`` to disk, read its models back.

Files (each written atomically): the two checkpoints first, then ``metrics.json``,
then the pictures, so the files that matter most exist even if drawing fails.
Each checkpoint carries the config and the vocabulary, so ``predict`` needs
nothing else.
"""

from __future__ import annotations

import os
import random
from pathlib import Path
from typing import Any

from ..checkpoint import CheckpointError, load_arrays, load_checkpoint, save_checkpoint
from ..train.config import ConfigError
from ..train.device import make_backend
from ..train.plots import save_figure
from ..train.run_checkpoint import MODEL
from ..train.rundir import MARKER, write_json
from .config import SentimentConfig
from .data import Vocabulary
from .metrics import metrics_dict
from .model import BagOfWords, SentimentCNN, TextModel
from .train import ModelRun, SentimentResult

METRICS = MARKER
BASELINE = "baseline.npz"
LOSS_PLOT = "loss.png"
ACCURACY_PLOT = "accuracy.png"
FIRINGS_PLOT = "filters.png"
WORDS_PLOT = "embeddings.png"
FILES = (MODEL, BASELINE, METRICS, LOSS_PLOT, ACCURACY_PLOT, FIRINGS_PLOT, WORDS_PLOT)


def _meta(result: SentimentResult, run: ModelRun) -> dict[str, Any]:
    return {
        "model": run.name,
        "data": result.data.corpus.source,
        "config": result.config.to_dict(),
        "dim": result.data.dim,
        "vocabulary": list(result.data.vocabulary.words),
        "status": run.status,
        "epochs": len(run.history),
    }


def save_sentiment_run(result: SentimentResult, out: str | os.PathLike[str]) -> None:
    """Write every file of the run into ``out`` (created if missing)."""
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_checkpoint(result.cnn.model, out_dir / MODEL, _meta(result, result.cnn))
    if result.baseline is not None:
        save_checkpoint(
            result.baseline.model, out_dir / BASELINE, _meta(result, result.baseline)
        )
    write_json(out_dir / METRICS, metrics_dict(result, list(FILES)))
    from .plots import run_figures  # matplotlib loads only when a run is written

    for name, figure in run_figures(result).items():
        save_figure(figure, out_dir / f"{name}.png")


def load_sentiment_model(
    run_dir: str | os.PathLike[str], file: str = MODEL
) -> tuple[TextModel, Vocabulary, SentimentConfig]:
    """A trained model of a run (the CNN, or ``BASELINE``) with its vocabulary.

    Raises:
        FileNotFoundError: if the run has no such checkpoint.
        CheckpointError: if the checkpoint is unreadable or its metadata invalid.
    """
    path = Path(run_dir) / file
    _, meta = load_arrays(path)
    raw, words, dim = meta.get("config"), meta.get("vocabulary"), meta.get("dim")
    if not (
        isinstance(raw, dict)
        and isinstance(words, list)
        and words
        and all(isinstance(w, str) for w in words)
        and isinstance(dim, int)
        and dim >= 1
    ):
        raise CheckpointError(f"{str(path)!r} is not a sentiment checkpoint")
    try:
        config = SentimentConfig.from_dict(raw)
    except (TypeError, ConfigError) as e:
        raise CheckpointError(f"{str(path)!r} has an invalid config: {e}") from e
    vocabulary = Vocabulary(tuple(words))
    backend = make_backend(config.backend)
    model: TextModel
    if file == BASELINE:
        model = BagOfWords(len(words), dim, random.Random(0), backend)
    else:
        model = SentimentCNN(
            len(words),
            dim,
            config.widths,
            config.filters,
            0.0,
            random.Random(0),
            backend,
        )
    load_checkpoint(model, path)
    model.eval()
    return model, vocabulary, config
