"""The numbers of a sentiment run: accuracy per split, slice and kind, confusion.

Pure computation on a ``SentimentResult``; writing them is the caller's business.
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from ..train.rundir import finite_or_none
from ..train.validated import confusion_matrix, history_columns
from .data import HARD_SLICE, Examples
from .train import ModelRun, SentimentResult, evaluate

FORMAT_VERSION = 1


def _accuracy(
    predicted: npt.NDArray[np.int64], labels: npt.NDArray[np.int64]
) -> float | None:
    return float(np.mean(predicted == labels)) if len(labels) else None


def model_metrics(run: ModelRun, result: SentimentResult) -> dict[str, Any]:
    """Accuracy on every split and slice, per kind of test sentence, and history."""
    data = result.data
    corpus = data.corpus
    splits: dict[str, Examples] = {
        "validation": corpus.validation,
        "test": corpus.test,
        **corpus.slices,
    }
    accuracy: dict[str, float | None] = {}
    test_eval = None
    for name, examples in splits.items():
        ev = evaluate(run.model, data.vocabulary, examples)
        accuracy[name] = _accuracy(ev.predictions, examples.labels)
        if name == "test":
            test_eval = ev
    assert test_eval is not None
    kinds = sorted(set(corpus.test.kinds))
    by_kind = {}
    for kind in kinds:
        rows = [i for i, k in enumerate(corpus.test.kinds) if k == kind]
        by_kind[kind] = _accuracy(test_eval.predictions[rows], corpus.test.labels[rows])
    history = run.history
    return {
        "status": run.status,
        "epochs_completed": len(history),
        "diverged_epoch": run.diverged_epoch,
        "history": history_columns(history),
        "accuracy": accuracy,
        "test_accuracy_by_kind": by_kind,
        "test_loss": finite_or_none(test_eval.loss),
        # [[TN, FP], [FN, TP]]: rows the true label (negative, positive).
        "confusion_matrix": confusion_matrix(
            corpus.test.labels, test_eval.predictions, 2
        ).tolist(),
        "total_seconds": sum(e.seconds for e in history),
    }


def metrics_dict(result: SentimentResult, files: list[str]) -> dict[str, Any]:
    """The JSON content of ``metrics.json``."""
    data = result.data
    corpus = data.corpus
    models = {"cnn": model_metrics(result.cnn, result)}
    if result.baseline is not None:
        models["baseline"] = model_metrics(result.baseline, result)
    gap = None
    if "baseline" in models:
        cnn_hard = models["cnn"]["accuracy"].get(HARD_SLICE)
        base_hard = models["baseline"]["accuracy"].get(HARD_SLICE)
        if cnn_hard is not None and base_hard is not None:
            gap = cnn_hard - base_hard
    embeddings: dict[str, Any] = {"kind": "learned", "dim": data.dim}
    if result.config.embeddings is not None:
        embeddings = {
            "kind": "pre-trained (frozen)",
            "file": result.config.embeddings,
            "dim": data.dim,
            "words_found": data.vectors_found,
            "vocabulary": len(data.vocabulary),
        }
    return {
        "format_version": FORMAT_VERSION,
        "data": corpus.source,
        "status": result.status,
        "config": result.config.to_dict(),
        "sizes": {
            "train": len(corpus.train),
            "validation": len(corpus.validation),
            "test": len(corpus.test),
            **{name: len(part) for name, part in corpus.slices.items()},
        },
        "vocabulary_size": len(data.vocabulary),
        "embeddings": embeddings,
        "confusion_matrix_layout": "rows true (negative, positive), columns predicted",
        "models": models,
        f"cnn_minus_baseline_{HARD_SLICE}": gap,
        "numba_threads": numba.get_num_threads(),
        "files": files,
    }
