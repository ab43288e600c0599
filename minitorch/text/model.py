"""The sentence CNN and its bag-of-words baseline, on the library's tensors.

CNN: embeddings → conv1d with several widths → max over time → ReLU → dropout →
linear → sigmoid. ReLU after the max equals the max after ReLU (ReLU never
reorders values), and taking the max first lets padding be masked out with a
large negative number before it, so a sentence's score never depends on what it
was batched with.

Baseline: the mean of the sentence's embeddings → linear → sigmoid. It sees
which words occur, never their order, so "not good" is "not" plus "good" to it.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from ..autodiff import Context
from ..layers import Conv1d
from ..module import Module, Parameter
from ..nn import dropout, max
from ..tensor import Tensor
from ..tensor_functions import Function
from ..tensor_layers import uniform
from ..tensor_ops import SimpleBackend, TensorBackend

MASKED = -1e9
EMBEDDING_INIT = 0.5


def constant(values: npt.ArrayLike, backend: TensorBackend) -> Tensor:
    """``values`` as a constant float tensor of their shape on ``backend``."""
    array = np.ascontiguousarray(values, dtype=np.float64)
    out = Tensor.make(array.reshape(-1), array.shape, backend=backend)
    out._type_(backend)  # CUDA backends keep the storage on the GPU
    return out


def _rows(indices: Tensor) -> npt.NDArray[np.int64]:
    return np.rint(indices.to_numpy()).astype(np.int64)


class Embed(Function):
    """``out[b, t] = table[indices[b, t]]`` (zeros where the index is -1).

    d/dtable[w] = Σ of g[b, t] over the positions holding word w; the indices
    get no gradient.
    """

    @staticmethod
    def forward(ctx: Context, table: Tensor, indices: Tensor) -> Tensor:
        """Gather rows of ``table (vocab, dim)`` into ``(batch, length, dim)``."""
        rows = _rows(indices)
        ctx.save_for_backward(rows, table.shape)
        values = table.to_numpy()[np.maximum(rows, 0)]
        values[rows < 0] = 0.0
        return constant(values, table.backend)

    @staticmethod
    def backward(ctx: Context, grad_output: Tensor) -> tuple[Tensor, float]:
        """Scatter-add ``g`` back onto the rows that were read."""
        rows, shape = ctx.saved_values
        grad = np.zeros(shape)
        valid = rows >= 0
        np.add.at(grad, rows[valid], grad_output.to_numpy()[valid])
        return constant(grad, grad_output.backend), 0.0


def embed(table: Tensor, indices: Tensor) -> Tensor:
    """Look up each index of ``indices (batch, length)`` in ``table (vocab, dim)``."""
    return Embed.apply(table, indices)


def padding_mask(indices: Tensor) -> Tensor:
    """``(batch, 1, length)``: 0 at words, ``MASKED`` at padding (index -1)."""
    rows = _rows(indices)
    mask = np.where(rows >= 0, 0.0, MASKED)[:, None, :]
    return constant(mask, indices.backend)


class TextModel(Module):
    """A sentence classifier: ``model(indices (batch, length))`` → P(positive).

    ``frozen`` embeddings (pre-trained vectors) are kept out of ``trainable()``.
    """

    embedding: Parameter
    frozen: bool

    def add_embedding(
        self,
        vocab: int,
        dim: int,
        rng: random.Random,
        backend: TensorBackend,
        pretrained: npt.NDArray[np.float64] | None,
    ) -> None:
        """The ``embedding`` table: drawn from ``rng``, or ``pretrained`` and frozen."""
        self.frozen = pretrained is not None
        if pretrained is None:
            table = uniform((vocab, dim), EMBEDDING_INIT, backend, rng)
        elif pretrained.shape != (vocab, dim):
            raise ValueError(
                f"pre-trained table must be ({vocab}, {dim}), got {pretrained.shape}"
            )
        else:
            table = constant(pretrained, backend)
        self.embedding = self.add_parameter("embedding", table)

    def trainable(self) -> list[Parameter]:
        """The parameters an optimizer should update."""
        return [
            p for p in self.parameters() if not (self.frozen and p is self.embedding)
        ]


class SentimentCNN(TextModel):
    """Filters of each width slide over the words; each keeps its best match."""

    def __init__(
        self,
        vocab: int,
        dim: int,
        widths: Sequence[int] = (3, 4, 5),
        filters: int = 16,
        dropout_rate: float = 0.25,
        rng: random.Random | None = None,
        backend: TensorBackend = SimpleBackend,
        pretrained: npt.NDArray[np.float64] | None = None,
    ) -> None:
        super().__init__()
        if not 0.0 <= dropout_rate < 1.0:
            raise ValueError(f"dropout rate must be in [0, 1), got {dropout_rate}")
        rng = rng or random.Random(0)
        self.widths = tuple(widths)
        self.filters = filters
        self.add_embedding(vocab, dim, rng, backend, pretrained)
        self.convs: list[Conv1d] = []
        bound = 1.0 / math.sqrt(filters * len(self.widths))
        self.heads: list[Parameter] = []
        for width in self.widths:
            conv = Conv1d(dim, filters, width, rng, backend)
            setattr(self, f"conv{width}", conv)
            self.convs.append(conv)
            self.heads.append(
                self.add_parameter(
                    f"out{width}", uniform((filters, 1), bound, backend, rng)
                )
            )
        self.bias = self.add_parameter("bias", uniform((1,), bound, backend, rng))
        self.dropout_rate = dropout_rate
        self.dropout_rng = random.Random(rng.random())

    def feature_maps(self, indices: Tensor) -> list[Tensor]:
        """Per width, each filter's score at every start ``(batch, filters, length)``.

        Padding positions hold ``MASKED``.
        """
        words = embed(self.embedding.value, indices).permute(0, 2, 1)
        mask = padding_mask(indices)
        return [conv(words) + mask for conv in self.convs]

    def forward(self, indices: Tensor) -> Tensor:
        """P(positive) for each sentence of the batch, shape ``(batch,)``."""
        batch = indices.shape[0]
        logit: Tensor | None = None
        for scores, head in zip(self.feature_maps(indices), self.heads, strict=True):
            pooled = max(scores, 2).relu().view(batch, self.filters)
            if self.training and self.dropout_rate > 0:
                kept = dropout(pooled, self.dropout_rate, rng=self.dropout_rng)
                pooled = kept * (1.0 / (1.0 - self.dropout_rate))
            term = pooled @ head.value
            logit = term if logit is None else logit + term
        assert logit is not None
        out: Tensor = (logit + self.bias.value).sigmoid().view(batch)
        return out


class BagOfWords(TextModel):
    """The mean of a sentence's word vectors, then one linear unit and a sigmoid."""

    def __init__(
        self,
        vocab: int,
        dim: int,
        rng: random.Random | None = None,
        backend: TensorBackend = SimpleBackend,
        pretrained: npt.NDArray[np.float64] | None = None,
    ) -> None:
        super().__init__()
        rng = rng or random.Random(0)
        self.dim = dim
        self.add_embedding(vocab, dim, rng, backend, pretrained)
        bound = 1.0 / math.sqrt(dim)
        self.weights = self.add_parameter(
            "weights", uniform((dim, 1), bound, backend, rng)
        )
        self.bias = self.add_parameter("bias", uniform((1,), bound, backend, rng))

    def forward(self, indices: Tensor) -> Tensor:
        """P(positive) for each sentence of the batch, shape ``(batch,)``."""
        batch = indices.shape[0]
        counts = (_rows(indices) >= 0).sum(axis=1, keepdims=True).astype(np.float64)
        inverse = constant(1.0 / counts, indices.backend)
        total = embed(self.embedding.value, indices).sum(1).view(batch, self.dim)
        logit = (total * inverse) @ self.weights.value + self.bias.value
        out: Tensor = logit.sigmoid().view(batch)
        return out
