"""The tensor family: the lecture's network as Tensors, a batch per matrix product.

Each step sends a whole batch through the layers at once. Without a batch size the
batch is the full dataset (one step per epoch, like the scalar family); with one,
the points are taken in their fixed order, a step per batch, so runs stay
reproducible without another random stream.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numba
import numpy as np

from ..autodiff import no_grad
from ..cuda_ops import CudaOps
from ..datasets import Graph, Point
from ..fast_ops import FastOps
from ..module import Module
from ..optim import Optimizer
from ..tensor import Tensor
from ..tensor_functions import tensor
from ..tensor_layers import Network
from ..tensor_ops import SimpleBackend, TensorBackend
from .base import EpochResult
from .config import ConfigError, TrainConfig


def make_backend(name: str) -> TensorBackend:
    """The tensor backend called ``name`` (``simple``, ``fast`` or ``cuda``)."""
    if name == "fast":
        return TensorBackend(FastOps)
    if name == "cuda":
        if not numba.cuda.is_available():  # type: ignore[no-untyped-call]
            raise ConfigError("backend 'cuda' needs a CUDA GPU, and none was found")
        return TensorBackend(CudaOps)
    return SimpleBackend


def _backend_of(model: Module) -> TensorBackend:
    """The backend the model's parameters live on (inputs must go there too)."""
    backend: TensorBackend = model.parameters()[0].value.backend
    return backend


def _batch_step(
    model: Module, points: Sequence[Point], labels: Sequence[int], optimizer: Optimizer
) -> EpochResult:
    """One step on one batch; a zero or NaN probability skips it (see scalar)."""
    n = len(points)
    backend = _backend_of(model)
    optimizer.zero_grad()
    y = tensor([float(label) for label in labels], backend=backend)
    out: Tensor = model(tensor(list(points), backend=backend)).view(n)
    correct = int(((out.detach() > 0.5) == y).sum().item())
    # p(label) = out for label 1, 1 - out for label 0.
    prob = out * y + (out - 1.0) * (y - 1.0)
    if not bool(np.all(prob.to_numpy() > 0.0)):
        return EpochResult(math.inf, correct)
    loss = -prob.log().sum()
    (loss / n).view(1).backward()
    optimizer.step()
    return EpochResult(loss.item(), correct)


def train_epoch(
    model: Module, data: Graph, optimizer: Optimizer, batch_size: int | None = None
) -> EpochResult:
    """One pass over the data in batches; loss summed over points as for scalars.

    Stops at the first batch whose loss is not finite and reports that loss.
    """
    size = batch_size or len(data.X)
    total_loss = 0.0
    correct = 0
    for start in range(0, len(data.X), size):
        result = _batch_step(
            model,
            data.X[start : start + size],
            data.y[start : start + size],
            optimizer,
        )
        total_loss += result.loss
        correct += result.correct
        if not math.isfinite(result.loss):
            break
    return EpochResult(total_loss, correct)


def predict(model: Module, points: Sequence[Point]) -> list[float]:
    """The model's probability of class 1 at each point, as one batch."""
    with no_grad():
        out: Tensor = model(tensor(list(points), backend=_backend_of(model)))
    return [float(v) for v in out.to_numpy().reshape(-1)]


class TensorFamily:
    """The lecture's 2 → hidden → hidden → 1 network of Tensors, batched."""

    name = "tensor"
    description = "the lecture's network as Tensors, one matrix product per layer"
    batched = True

    def build(self, config: TrainConfig) -> Module:
        """A tensor ``Network(config.hidden)`` with weights from the config's seed."""
        if config.network != "course":
            raise ConfigError(
                f"the tensor model has no {config.network!r} network; "
                "the lecture network is for 'train scalar --model lecture'"
            )
        return Network(config.hidden, config.weight_rng(), make_backend(config.backend))

    def train_epoch(
        self, model: Module, data: Graph, optimizer: Optimizer, config: TrainConfig
    ) -> EpochResult:
        """One epoch of ``train_epoch`` with the config's batch size."""
        return train_epoch(model, data, optimizer, config.batch_size)

    def predict(self, model: Module, points: Sequence[Point]) -> list[float]:
        """Probabilities of class 1 via ``predict``."""
        return predict(model, points)
