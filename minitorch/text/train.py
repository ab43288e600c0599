"""Train the sentence CNN and the bag-of-words baseline the same way.

Both see the same batches (same seed), the same optimizer (Adam) and the same
binary cross-entropy. A run never raises for a diverged loss or Ctrl-C:
``status`` says how it ended, and each model keeps the weights of its last whole
epoch whose numbers were finite.
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import numpy.typing as npt

from ..autodiff import no_grad
from ..optim import Adam
from ..tensor import Tensor
from ..tensor_ops import TensorBackend
from .config import SentimentConfig
from .data import Corpus, Examples, Indices, Labels, Vocabulary, load_sst2
from .embeddings import load_glove
from .generate import generate_corpus
from .model import BagOfWords, SentimentCNN, TextModel

Status = Literal["completed", "diverged", "interrupted"]
State = dict[str, npt.NDArray[np.float64]]
EVAL_BATCH = 256
EPSILON = 1e-7  # keeps log() finite when a probability saturates at 0 or 1
UNKNOWN_VECTOR_SCALE = 0.25
MODELS = ("cnn", "baseline")


@dataclass(frozen=True)
class Epoch:
    """One finished epoch of one model (``epoch`` counts from 1)."""

    model: str
    epoch: int
    epochs: int
    train_loss: float
    train_accuracy: float
    val_loss: float
    val_accuracy: float
    seconds: float


@dataclass(frozen=True)
class Evaluation:
    """Mean cross-entropy, accuracy and P(positive) of each sentence."""

    loss: float
    accuracy: float
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
class ModelRun:
    """One model's training: the weights it keeps and its epochs."""

    name: str
    model: TextModel
    status: Status = "completed"
    history: list[Epoch] = field(default_factory=list)
    diverged_epoch: int | None = None


@dataclass
class SentimentResult:
    """A finished (or stopped) run: the CNN and, unless it stopped, the baseline."""

    config: SentimentConfig
    data: Prepared
    cnn: ModelRun
    baseline: ModelRun | None = None

    @property
    def status(self) -> Status:
        """How the run ended: the first model that did not complete decides."""
        for run in (self.cnn, self.baseline):
            if run is not None and run.status != "completed":
                return run.status
        return "completed"


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


def backend_of(model: TextModel) -> TensorBackend:
    """The backend the model's weights live on (inputs must go there too)."""
    backend: TensorBackend = model.embedding.value.backend
    return backend


def as_tensor(indices: Indices, backend: TensorBackend) -> Tensor:
    """Word indices ``(n, length)`` as a constant tensor, trimmed to the longest row."""
    used = int(np.max(np.sum(indices >= 0, axis=1), initial=1))
    values = np.ascontiguousarray(indices[:, :used], dtype=np.float64)
    out = Tensor.make(values.reshape(-1), values.shape, backend=backend)
    out._type_(backend)
    return out


def cross_entropy(probabilities: Tensor, labels: Tensor) -> Tensor:
    """Mean of ``-[y log p + (1 - y) log(1 - p)]`` over the batch."""
    n = probabilities.shape[0]
    p = probabilities
    total = labels * (p + EPSILON).log() + (1.0 - labels) * (1.0 - p + EPSILON).log()
    return total.sum() * (-1.0 / n)


def _labels(labels: Labels, backend: TensorBackend) -> Tensor:
    out = Tensor.make(labels.astype(np.float64), (len(labels),), backend=backend)
    out._type_(backend)
    return out


def evaluate(
    model: TextModel, vocabulary: Vocabulary, examples: Examples
) -> Evaluation:
    """Loss, accuracy and probabilities in eval mode (no dropout, no graph)."""
    backend = backend_of(model)
    indices, _ = vocabulary.encode(examples.texts)
    was_training = model.training
    model.eval()
    total = 0.0
    parts = []
    try:
        with no_grad():
            for start in range(0, len(examples), EVAL_BATCH):
                rows = slice(start, start + EVAL_BATCH)
                p = model(as_tensor(indices[rows], backend))
                loss = cross_entropy(p, _labels(examples.labels[rows], backend))
                total += loss.item() * len(examples.labels[rows])
                parts.append(p.to_numpy())
    finally:
        if was_training:
            model.train()
    probabilities = np.concatenate(parts) if parts else np.zeros(0)
    correct = (probabilities > 0.5).astype(np.int64) == examples.labels
    count = max(len(examples), 1)
    return Evaluation(total / count, float(np.sum(correct)) / count, probabilities)


class _NonFiniteError(Exception):
    """A training step produced a NaN/inf loss."""


def _train_epoch(
    model: TextModel,
    optimizer: Adam,
    indices: Indices,
    labels: Labels,
    config: SentimentConfig,
    rng: random.Random,
    on_batch: Callable[[int, int, float], None] | None,
) -> tuple[float, float]:
    """One shuffled pass over the training sentences; ``(mean loss, accuracy)``."""
    backend = backend_of(model)
    model.train()
    order = list(range(len(labels)))
    rng.shuffle(order)
    size = config.batch_size
    batches = [order[i : i + size] for i in range(0, len(order), size)]
    loss_sum = 0.0
    correct = 0
    for done, batch in enumerate(batches, start=1):
        optimizer.zero_grad()
        p = model(as_tensor(indices[batch], backend))
        loss = cross_entropy(p, _labels(labels[batch], backend))
        value = loss.item()
        if not math.isfinite(value):
            raise _NonFiniteError
        loss.view(1).backward()
        optimizer.step()
        loss_sum += value * len(batch)
        correct += int(np.sum((p.to_numpy() > 0.5) == labels[batch]))
        if on_batch is not None:
            on_batch(done, len(batches), value)
    return loss_sum / len(labels), correct / len(labels)


def _finite(state: State) -> bool:
    return all(bool(np.isfinite(v).all()) for v in state.values())


def fit_model(
    name: str,
    model: TextModel,
    config: SentimentConfig,
    data: Prepared,
    on_epoch: Callable[[Epoch], None] | None = None,
    on_batch: Callable[[int, int, float], None] | None = None,
) -> ModelRun:
    """Train ``model`` with Adam for ``config.epochs``, validating after each."""
    run = ModelRun(name, model)
    optimizer = Adam(model.trainable(), config.lr)
    rng = random.Random(f"minitorch.text batches {config.seed}")
    train = data.corpus.train
    indices, _ = data.vocabulary.encode(train.texts)
    for epoch in range(1, config.epochs + 1):
        start = model.state_dict()
        try:
            began = time.perf_counter()
            loss, accuracy = _train_epoch(
                model, optimizer, indices, train.labels, config, rng, on_batch
            )
            val = evaluate(model, data.vocabulary, data.corpus.validation)
            seconds = time.perf_counter() - began
            if not (math.isfinite(val.loss) and _finite(model.state_dict())):
                raise _NonFiniteError
        except _NonFiniteError:
            model.load_state_dict(start)
            run.status, run.diverged_epoch = "diverged", epoch
            break
        except KeyboardInterrupt:
            model.load_state_dict(start)
            run.status = "interrupted"
            break
        record = Epoch(
            name, epoch, config.epochs, loss, accuracy, val.loss, val.accuracy, seconds
        )
        run.history.append(record)
        if on_epoch is not None:
            try:
                on_epoch(record)
            except KeyboardInterrupt:
                run.status = "interrupted"
                break
    model.eval()
    return run


def fit_sentiment(
    config: SentimentConfig,
    backend: TensorBackend,
    data: Prepared | None = None,
    on_epoch: Callable[[Epoch], None] | None = None,
    on_batch: Callable[[int, int, float], None] | None = None,
) -> SentimentResult:
    """Train the CNN, then (unless it was stopped) the baseline on ``backend``.

    Raises:
        SentimentConfigError: if the config is invalid.
        DataError: if ``data`` is not given and reading it fails.
    """
    config = config.validated()
    data = prepare(config) if data is None else data
    cnn, baseline = build_models(config, data, backend)
    result = SentimentResult(
        config, data, fit_model("cnn", cnn, config, data, on_epoch, on_batch)
    )
    if result.cnn.status == "completed":
        result.baseline = fit_model(
            "baseline", baseline, config, data, on_epoch, on_batch
        )
    return result
