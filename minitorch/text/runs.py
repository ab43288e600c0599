"""A sentiment run directory: write a ``SentimentResult`` to disk, read its models back.

Files (each written atomically): the two checkpoints first, then ``metrics.json``,
then the pictures, so the files that matter most exist even if drawing fails.
Each checkpoint carries the config and the vocabulary, so ``predict`` needs
nothing else.
"""

from __future__ import annotations

import itertools
import os
import random
from pathlib import Path
from typing import Any

import numba
import numpy as np
import numpy.typing as npt

from ..checkpoint import CheckpointError, load_arrays, load_checkpoint, save_checkpoint
from ..train.runs import finite_or_none, write_json
from ..train.tensor_model import make_backend
from .config import SentimentConfig, SentimentConfigError
from .data import HARD_SLICE, Examples, Vocabulary
from .explain import explain
from .model import BagOfWords, SentimentCNN, TextModel
from .train import ModelRun, SentimentResult, as_tensor, backend_of, evaluate
from .words import CONTRASTS, INTENSIFIERS, NEGATORS, polarity_words

METRICS = "metrics.json"
MODEL = "model.npz"
BASELINE = "baseline.npz"
LOSS_PLOT = "loss.png"
ACCURACY_PLOT = "accuracy.png"
FIRINGS_PLOT = "filters.png"
WORDS_PLOT = "embeddings.png"
FILES = (MODEL, BASELINE, METRICS, LOSS_PLOT, ACCURACY_PLOT, FIRINGS_PLOT, WORDS_PLOT)
FORMAT_VERSION = 1
PICTURED_SENTENCES = 4
PHRASE_ADJECTIVES = (
    "good",
    "great",
    "funny",
    "clever",
    "bad",
    "dull",
    "boring",
    "awful",
)


def confusion_matrix(
    labels: npt.NDArray[np.int64], predicted: npt.NDArray[np.int64]
) -> list[list[int]]:
    """``[[TN, FP], [FN, TP]]``: rows the true label (negative, positive)."""
    matrix = np.zeros((2, 2), dtype=np.int64)
    np.add.at(matrix, (labels, predicted), 1)
    return [[int(v) for v in row] for row in matrix]


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
        "history": {
            "train_loss": [e.train_loss for e in history],
            "train_accuracy": [e.train_accuracy for e in history],
            "val_loss": [e.val_loss for e in history],
            "val_accuracy": [e.val_accuracy for e in history],
            "seconds": [e.seconds for e in history],
        },
        "accuracy": accuracy,
        "test_accuracy_by_kind": by_kind,
        "test_loss": finite_or_none(test_eval.loss),
        "confusion_matrix": confusion_matrix(corpus.test.labels, test_eval.predictions),
        "total_seconds": sum(e.seconds for e in history),
    }


def metrics_dict(result: SentimentResult) -> dict[str, Any]:
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
        "files": list(FILES),
    }


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


def _pictured(result: SentimentResult) -> list[str]:
    """A few test sentences to draw: one of each kind when there are kinds."""
    corpus = result.data.corpus
    pool = corpus.slices.get(HARD_SLICE, corpus.test)
    chosen: list[str] = []
    for kind in ("negation", "contrast", "intensified", "plain", "real"):
        found = (
            text
            for source in (pool, corpus.test)
            for text, k in zip(source.texts, source.kinds, strict=True)
            if k == kind
        )
        chosen.extend(itertools.islice(found, 1))
    return chosen[:PICTURED_SENTENCES]


def pooled_features(
    model: SentimentCNN, vocabulary: Vocabulary, texts: list[str]
) -> npt.NDArray[np.float64]:
    """Each sentence's ReLU(max over time) of every filter, ``(n, widths·filters)``."""
    indices, _ = vocabulary.encode(texts)
    model.eval()
    maps = model.feature_maps(as_tensor(indices, backend_of(model)))
    return np.concatenate(
        [np.maximum(m.to_numpy().max(axis=2), 0.0) for m in maps], axis=1
    )


def _word_map(
    model: TextModel, vocabulary: Vocabulary
) -> tuple[list[str], npt.NDArray[np.float64], list[int]]:
    polarity = polarity_words()
    function_words = {*NEGATORS, *INTENSIFIERS, *CONTRASTS, "n't", "no"}
    index = vocabulary.index()
    chosen = [w for w in vocabulary.words if w in polarity or w in function_words]
    table = model.embedding.value.to_numpy()
    vectors = np.array([table[index[w]] for w in chosen]).reshape(len(chosen), -1)
    return chosen, vectors, [polarity.get(w, 0) for w in chosen]


def _phrase_map(
    model: SentimentCNN, vocabulary: Vocabulary
) -> tuple[list[str], npt.NDArray[np.float64], list[int]]:
    polarity = polarity_words()
    labels: list[str] = []
    signs: list[int] = []
    for adjective in PHRASE_ADJECTIVES:
        sign = polarity[adjective]
        for phrase, s in (
            (adjective, sign),
            (f"not {adjective}", -sign),
            (f"very {adjective}", sign),
        ):
            labels.append(phrase)
            signs.append(s)
    texts = [f"the film was {p}" for p in labels]
    return labels, pooled_features(model, vocabulary, texts), signs


def save_pictures(result: SentimentResult, out_dir: Path) -> None:
    """The learning curves, the filter firings and the word/phrase maps."""
    from .plots import plot_curves, plot_firings, plot_word_maps

    c = result.config
    source = result.data.corpus.source
    title = f"sentiment ({source} data) · Adam lr {c.lr:g} · batch {c.batch_size}"
    runs = {"cnn": result.cnn.history}
    if result.baseline is not None:
        runs["baseline"] = result.baseline.history
    plot_curves(out_dir / LOSS_PLOT, runs, "loss", f"Loss · {title}")
    plot_curves(out_dir / ACCURACY_PLOT, runs, "accuracy", f"Accuracy · {title}")
    cnn = result.cnn.model
    assert isinstance(cnn, SentimentCNN)
    vocabulary = result.data.vocabulary
    explanations = [explain(cnn, vocabulary, t) for t in _pictured(result)]
    plot_firings(
        out_dir / FIRINGS_PLOT,
        explanations,
        f"Which filter fired where ({source} test sentences)",
    )
    plot_word_maps(
        out_dir / WORDS_PLOT,
        _word_map(cnn, vocabulary),
        _phrase_map(cnn, vocabulary),
        f"What the CNN learned ({source} data): blue positive, red negative",
    )


def save_sentiment_run(result: SentimentResult, out: str | os.PathLike[str]) -> None:
    """Write every file of the run into ``out`` (created if missing)."""
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    save_checkpoint(result.cnn.model, out_dir / MODEL, _meta(result, result.cnn))
    if result.baseline is not None:
        save_checkpoint(
            result.baseline.model, out_dir / BASELINE, _meta(result, result.baseline)
        )
    write_json(out_dir / METRICS, metrics_dict(result))
    save_pictures(result, out_dir)


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
    except (TypeError, SentimentConfigError) as e:
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
