"""The lecture's network built from Tensors: one ``Parameter`` per weight matrix.

Same architecture as ``scalar_layers`` (2 → hidden → hidden → 1 with ReLU, ReLU
and a sigmoid), but a whole batch of points goes through each layer at once as
one matrix product.
"""

from __future__ import annotations

import random

from .module import Module, Parameter
from .tensor import Tensor
from .tensor_functions import rand
from .tensor_ops import SimpleBackend, TensorBackend


def uniform(
    shape: tuple[int, ...],
    bound: float,
    backend: TensorBackend,
    rng: random.Random | None,
) -> Tensor:
    """A tensor of draws from [-bound, bound): the initial weights of every layer."""
    return bound * (2.0 * rand(shape, backend, rng=rng) - 1.0)


class Linear(Module):
    """``out = x @ weights + bias`` for a batch ``x`` of shape ``(n, in_size)``.

    ``weights`` is ``(in_size, out_size)`` and ``bias`` ``(out_size,)``, both
    drawn uniformly from [-1, 1) (from ``rng`` if given, for reproducible runs).
    """

    def __init__(
        self,
        in_size: int,
        out_size: int,
        rng: random.Random | None = None,
        backend: TensorBackend = SimpleBackend,
    ) -> None:
        super().__init__()
        if in_size < 1 or out_size < 1:
            raise ValueError(
                f"Linear needs positive sizes, got in={in_size} out={out_size}"
            )
        self.in_size = in_size
        self.out_size = out_size
        self.weights: Parameter = self.add_parameter(
            "weights", uniform((in_size, out_size), 1.0, backend, rng)
        )
        self.bias: Parameter = self.add_parameter(
            "bias", uniform((out_size,), 1.0, backend, rng)
        )

    def forward(self, x: Tensor) -> Tensor:
        """Map a batch ``(n, in_size)`` to ``(n, out_size)``."""
        if x.dims != 2 or x.shape[1] != self.in_size:
            raise ValueError(
                f"Linear expected a batch of shape (n, {self.in_size}), got {x.shape}"
            )
        out: Tensor = x @ self.weights.value + self.bias.value
        return out


class Network(Module):
    """Two inputs → ``hidden`` → ``hidden`` → one probability (ReLU, ReLU, sigmoid).

    ``forward`` maps a batch of points ``(n, 2)`` to probabilities of shape
    ``(n, 1)`` (view it as ``(n,)`` to compare with a label vector).
    """

    def __init__(
        self,
        hidden: int,
        rng: random.Random | None = None,
        backend: TensorBackend = SimpleBackend,
    ) -> None:
        super().__init__()
        self.hidden = hidden
        self.layer1 = Linear(2, hidden, rng, backend)
        self.layer2 = Linear(hidden, hidden, rng, backend)
        self.layer3 = Linear(hidden, 1, rng, backend)

    def forward(self, x: Tensor) -> Tensor:
        """The probability of class 1 for each point of the batch ``x``."""
        h = self.layer1(x).relu()
        h = self.layer2(h).relu()
        out: Tensor = self.layer3(h).sigmoid()
        return out
