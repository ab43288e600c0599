"""Train the sentence CNN and the bag-of-words baseline the same way.

Both see the same batches (same seed), the same optimizer and the same binary
cross-entropy, each in the harness's epoch loop: a run never raises for a diverged
loss or Ctrl-C, ``status`` says how it ended, and each model keeps the weights of
its last whole epoch whose numbers were finite.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from ..module import Module
from ..optim import Optimizer
from ..tensor import Tensor
from ..tensor_ops import TensorBackend
from ..train.config import make_optimizer
from ..train.device import backend_of
from ..train.loop import Status, StepHook, StopCheck, Training
from ..train.validated import (
    Scores,
    SplitEpoch,
    eval_pass,
    fit_validated,
    train_pass,
)
from .config import SentimentConfig
from .data import Corpus, Examples, Indices, Labels, Vocabulary, load_sst2
from .embeddings import load_glove
from .generate import generate_corpus
from .model import BagOfWords, SentimentCNN, TextModel, constant

EPSILON = 1e-7  # keeps log() finite when a probability saturates at 0 or 1
UNKNOWN_VECTOR_SCALE = 0.25


@dataclass(frozen=True)
class Evaluation(Scores):
    """Mean cross-entropy, accuracy and P(positive) of each sentence."""

    probabilities: npt.NDArray[np.float64]

    @property
    def predictions(self) -> Labels:
        """1 where P(positive) > 0.5."""
        return (self.probabilities > 0.5).astype(np.int64)


@dataclass(frozen=True)
class Prepared:
    """The data of a run: sentences, vocabulary and (if given) pre-trained vectors."""

    corpus: Corpus
    vocabulary: Vocabulary
    dim: int
    pretrained: npt.NDArray[np.float64] | None = None
    vectors_found: int | None = None


@dataclass
class ModelRun(Training[SplitEpoch]):
    """One model's training (``cnn`` or ``baseline``) in the harness's loop."""

    name: str = "cnn"


@dataclass
class SentimentResult:
    """A finished (or stopped) run: the CNN and, unless it stopped, the baseline."""

    config: SentimentConfig
    data: Prepared
    cnn: ModelRun
    baseline: ModelRun | None = None

    @property
    def stopped(self) -> ModelRun:
        """The first model that did not complete (the CNN if both did)."""
        if self.cnn.status == "completed" and self.baseline is not None:
            return self.baseline
        return self.cnn

    @property
    def status(self) -> Status:
        """How the run ended: the first model that did not complete decides."""
        return self.stopped.status

    @property
    def diverged_epoch(self) -> int | None:
        """The epoch whose numbers became NaN/inf, if one did."""
        return self.stopped.diverged_epoch

    @property
    def epochs_completed(self) -> int:
        """Whole epochs of the model that stopped the run (or of the baseline)."""
        return self.stopped.epochs_completed


def load_corpus(config: SentimentConfig) -> Corpus:
    """The generated sentences, or SST-2 from ``config.data``; ``limit`` applied.

    Raises:
        DataError: if SST-2 files are missing or malformed.
    """
    corpus = generate_corpus() if config.data is None else load_sst2(config.data)
    if config.limit is None:
        return corpus
    keep = list(range(min(config.limit, len(corpus.train))))
    return Corpus(
        corpus.source,
        corpus.train.subset(keep),
        corpus.validation,
        corpus.test,
        corpus.slices,
    )


def prepare(config: SentimentConfig) -> Prepared:
    """Read or generate the sentences; read the vectors of their words if asked.

    Learned embeddings know the training words only; with pre-trained vectors
    every split's words get a row (the vectors come from elsewhere, not from the
    labels), and a word the file lacks gets a small random vector.

    Raises:
        DataError: on unreadable data or embeddings files.
    """
    corpus = load_corpus(config)
    if config.embeddings is None:
        return Prepared(corpus, Vocabulary.build(corpus.train.texts), config.dim)
    texts = [*corpus.train.texts, *corpus.validation.texts, *corpus.test.texts]
    for part in corpus.slices.values():
        texts.extend(part.texts)
    vocabulary = Vocabulary.build(texts)
    vectors, dim = load_glove(config.embeddings, vocabulary.words)
    rng = np.random.default_rng(config.seed)
    table = rng.uniform(
        -UNKNOWN_VECTOR_SCALE, UNKNOWN_VECTOR_SCALE, (len(vocabulary), dim)
    )
    for i, word in enumerate(vocabulary.words):
        if word in vectors:
            table[i] = vectors[word]
    return Prepared(corpus, vocabulary, dim, table, len(vectors))


def build_models(
    config: SentimentConfig, data: Prepared, backend: TensorBackend
) -> tuple[SentimentCNN, BagOfWords]:
    """Fresh CNN and baseline on ``backend``, their weights drawn from the seed."""
    vocab = len(data.vocabulary)
    cnn = SentimentCNN(
        vocab,
        data.dim,
        config.widths,
        config.filters,
        config.dropout,
        random.Random(f"minitorch.text cnn {config.seed}"),
        backend,
        data.pretrained,
    )
    baseline = BagOfWords(
        vocab,
        data.dim,
        random.Random(f"minitorch.text baseline {config.seed}"),
        backend,
        data.pretrained,
    )
    return cnn, baseline


def as_tensor(indices: Indices, backend: TensorBackend) -> Tensor:
    """Word indices ``(n, length)`` as a constant tensor, trimmed to the longest row."""
    used = int(np.max(np.sum(indices >= 0, axis=1), initial=1))
    return constant(indices[:, :used], backend)


def cross_entropy(probabilities: Tensor, labels: Tensor) -> Tensor:
    """Mean of ``-[y log p + (1 - y) log(1 - p)]`` over the batch."""
    n = probabilities.shape[0]
    p = probabilities
    total = labels * (p + EPSILON).log() + (1.0 - labels) * (1.0 - p + EPSILON).log()
    return total.sum() * (-1.0 / n)


def evaluate(model: Module, vocabulary: Vocabulary, examples: Examples) -> Evaluation:
    """Loss, accuracy and probabilities in eval mode (no dropout, no graph)."""
    backend = backend_of(model)
    indices, _ = vocabulary.encode(examples.texts)

    def step(rows: slice) -> tuple[Tensor, npt.NDArray[np.float64]]:
        p = model(as_tensor(indices[rows], backend))
        return cross_entropy(p, constant(examples.labels[rows], backend)), p.to_numpy()

    loss, parts = eval_pass(model, len(examples), step)
    probabilities = np.concatenate(parts) if parts else np.zeros(0)
    correct = (probabilities > 0.5).astype(np.int64) == examples.labels
    accuracy = float(np.sum(correct)) / max(len(examples), 1)
    return Evaluation(loss, accuracy, probabilities)


def _train_epoch(
    model: TextModel,
    optimizer: Optimizer,
    indices: Indices,
    labels: Labels,
    config: SentimentConfig,
    rng: random.Random,
    on_batch: StepHook | None,
) -> tuple[float, float]:
    """One shuffled pass over the training sentences; ``(mean loss, accuracy)``.

    A NaN/inf loss ends the pass at once and is returned as the loss.
    """
    backend = backend_of(model)

    def step(batch: list[int]) -> tuple[Tensor, int]:
        p = model(as_tensor(indices[batch], backend))
        right = int(np.sum((p.to_numpy() > 0.5) == labels[batch]))
        return cross_entropy(p, constant(labels[batch], backend)), right

    order = list(range(len(labels)))
    rng.shuffle(order)
    size = config.batch_size
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    return train_pass(model, optimizer, batches, step, on_batch)


def fit_model(
    name: str,
    model: TextModel,
    config: SentimentConfig,
    data: Prepared,
    on_epoch: Callable[[SplitEpoch], None] | None = None,
    on_batch: StepHook | None = None,
    should_stop: StopCheck | None = None,
) -> ModelRun:
    """Train ``model`` for ``config.epochs``, validating after each epoch."""
    run = ModelRun(model, name=name)
    optimizer = make_optimizer(config, model.trainable())
    rng = random.Random(f"minitorch.text batches {config.seed}")
    train = data.corpus.train
    indices, _ = data.vocabulary.encode(train.texts)
    fit_validated(
        run,
        config.epochs,
        lambda: _train_epoch(
            model, optimizer, indices, train.labels, config, rng, on_batch
        ),
        lambda: evaluate(model, data.vocabulary, data.corpus.validation),
        on_epoch,
        should_stop,
        name,
    )
    return run


def fit_sentiment(
    config: SentimentConfig,
    backend: TensorBackend,
    data: Prepared | None = None,
    on_epoch: Callable[[SplitEpoch], None] | None = None,
    on_batch: StepHook | None = None,
    should_stop: StopCheck | None = None,
) -> SentimentResult:
    """Train the CNN, then (unless it was stopped) the baseline on ``backend``.

    Raises:
        ConfigError: if the config is invalid.
        DataError: if ``data`` is not given and reading it fails.
    """
    config = config.validated()
    data = prepare(config) if data is None else data
    cnn, baseline = build_models(config, data, backend)
    first = fit_model("cnn", cnn, config, data, on_epoch, on_batch, should_stop)
    result = SentimentResult(config, data, first)
    if first.status == "completed":
        result.baseline = fit_model(
            "baseline", baseline, config, data, on_epoch, on_batch, should_stop
        )
    return result
