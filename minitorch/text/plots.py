"""Pictures of a sentiment run: learning curves, filter firings, word maps.

Object-API matplotlib on an Agg canvas (no pyplot, no window), saved atomically.
Imported only when a run is written, so the CLI starts without matplotlib.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.colors import TwoSlopeNorm
from matplotlib.figure import Figure

from ..autodiff import no_grad
from ..train.device import backend_of
from ..train.validated import SplitEpoch
from .data import HARD_SLICE, Vocabulary
from .explain import Explanation, explain
from .model import SentimentCNN, TextModel
from .train import SentimentResult, as_tensor
from .words import CONTRASTS, INTENSIFIERS, NEGATORS, polarity_words

COLORS = {"cnn": "#3b5b92", "baseline": "#d95f02"}
POSITIVE_COLOR = "#1f77b4"
NEGATIVE_COLOR = "#c0392b"
NEUTRAL_COLOR = "#555555"
TOP_FIRINGS = 6
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


def curves_figure(runs: dict[str, list[SplitEpoch]], metric: str, title: str) -> Figure:
    """``loss`` or ``accuracy`` per epoch: train dashed, validation solid."""
    fig = Figure(figsize=(6.4, 4.0), layout="constrained")
    ax = fig.add_subplot()
    for name, history in runs.items():
        epochs = np.arange(1, len(history) + 1)
        train = [getattr(e, f"train_{metric}") for e in history]
        val = [getattr(e, f"val_{metric}") for e in history]
        color = COLORS.get(name, NEUTRAL_COLOR)
        ax.plot(epochs, train, "o--", color=color, lw=1.2, ms=3, label=f"{name} train")
        ax.plot(
            epochs, val, "o-", color=color, lw=1.8, ms=3, label=f"{name} validation"
        )
    ax.set_xlabel("epoch")
    ax.set_ylabel("mean cross-entropy" if metric == "loss" else "accuracy")
    ax.grid(alpha=0.3)
    ax.legend(frameon=False)
    ax.set_title(title)
    return fig


def firings_figure(explanations: Sequence[Explanation], title: str) -> Figure:
    """Per sentence, the n-grams its strongest filters picked, coloured by share.

    Each bar spans the words one filter's max over time chose; blue pushes
    towards positive, red towards negative, and the number is the filter's term
    in the logit.
    """
    count = max(len(explanations), 1)
    longest = max((len(e.words) for e in explanations), default=1)
    width = max(9.0, 0.8 * (longest + 4))
    fig = Figure(figsize=(width, 2.3 * count), layout="constrained")
    axes = fig.subplots(count, 1, squeeze=False)[:, 0]
    strongest = max(
        (abs(f.contribution) for e in explanations for f in e.firings), default=1.0
    )
    norm = TwoSlopeNorm(0.0, -max(strongest, 1e-9), max(strongest, 1e-9))
    cmap = colormaps["RdBu"]
    for ax, e in zip(axes, explanations, strict=False):
        n = len(e.words)
        for i, word in enumerate(e.words):
            ax.text(i, 0.0, word, ha="center", va="center", fontsize=10)
        top = sorted(e.firings, key=lambda f: -abs(f.contribution))[:TOP_FIRINGS]
        for row, f in enumerate(top, start=1):
            end = f.start + len(f.words) - 1
            ax.barh(
                -row,
                end - f.start + 0.9,
                left=f.start - 0.45,
                height=0.7,
                color=cmap(norm(f.contribution)),
                edgecolor="#333333",
                lw=0.5,
            )
            ax.text(
                end + 0.6,
                -row,
                f"width {f.width} #{f.filter}: {f.contribution:+.2f}",
                va="center",
                fontsize=8,
            )
        ax.set_xlim(-0.8, n + 3.5)
        ax.set_ylim(-len(top) - 0.7, 0.7)
        ax.axis("off")
        ax.set_title(
            f"{e.text!r}  →  P(positive) = {e.probability:.2f}", fontsize=10, loc="left"
        )
    fig.suptitle(title)
    return fig


def pca_2d(points: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
    """``points (n, d)`` projected on their two directions of largest variance."""
    centred = points - points.mean(axis=0)
    _, _, directions = np.linalg.svd(centred, full_matrices=False)
    out: npt.NDArray[np.float64] = centred @ directions[:2].T
    if out.shape[1] < 2:
        out = np.hstack([out, np.zeros((len(out), 2 - out.shape[1]))])
    return out


def _scatter(
    ax: Axes,
    labels: Sequence[str],
    points: npt.NDArray[np.float64],
    signs: Sequence[int],
) -> None:
    xy = pca_2d(points)
    for (x, y), label, sign in zip(xy, labels, signs, strict=True):
        color = {1: POSITIVE_COLOR, -1: NEGATIVE_COLOR}.get(sign, NEUTRAL_COLOR)
        ax.scatter([x], [y], s=14, color=color)
        ax.annotate(
            label,
            (x, y),
            fontsize=7,
            color=color,
            xytext=(3, 2),
            textcoords="offset points",
        )
    ax.set_xticks([])
    ax.set_yticks([])
    ax.set_xlabel("first principal direction")
    ax.set_ylabel("second principal direction")


def word_maps_figure(
    words: tuple[Sequence[str], npt.NDArray[np.float64], Sequence[int]],
    phrases: tuple[Sequence[str], npt.NDArray[np.float64], Sequence[int]],
    title: str,
) -> Figure:
    """Left: word vectors in 2-D (PCA). Right: the CNN's features of short phrases.

    Each argument is ``(labels, vectors (n, d), signs)``; sign +1 is drawn blue,
    -1 red, 0 grey. Single words cannot show negation; the phrase panel can,
    since the features come from filters that read several words at once.
    """
    fig = Figure(figsize=(12.0, 5.6), layout="constrained")
    left, right = fig.subplots(1, 2)
    _scatter(left, *words)
    left.set_title("word embeddings (PCA)")
    _scatter(right, *phrases)
    right.set_title("the CNN's pooled features of short phrases (PCA)")
    fig.suptitle(title)
    return fig


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
    with no_grad():
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


def run_figures(result: SentimentResult) -> dict[str, Figure]:
    """``loss``, ``accuracy``, ``filters`` and ``embeddings``: the run's pictures."""
    c = result.config
    source = result.data.corpus.source
    title = f"sentiment ({source} data) · Adam lr {c.lr:g} · batch {c.batch_size}"
    runs = {"cnn": result.cnn.history}
    if result.baseline is not None:
        runs["baseline"] = result.baseline.history
    cnn = result.cnn.model
    assert isinstance(cnn, SentimentCNN)
    vocabulary = result.data.vocabulary
    explanations = [explain(cnn, vocabulary, t) for t in _pictured(result)]
    return {
        "loss": curves_figure(runs, "loss", f"Loss · {title}"),
        "accuracy": curves_figure(runs, "accuracy", f"Accuracy · {title}"),
        "filters": firings_figure(
            explanations, f"Which filter fired where ({source} test sentences)"
        ),
        "embeddings": word_maps_figure(
            _word_map(cnn, vocabulary),
            _phrase_map(cnn, vocabulary),
            f"What the CNN learned ({source} data): blue positive, red negative",
        ),
    }
