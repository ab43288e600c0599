"""The lecture's network built from Scalars: every weight is its own ``Parameter``.

``Linear`` is a fully connected layer of scalar units; ``Network`` stacks three of them
(2 → hidden → hidden → 1) with ReLU, ReLU and a sigmoid, as in "Module 1.4".
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from .module import Module, Parameter
from .scalar import Scalar, ScalarLike


class Linear(Module):
    """``out[j] = bias[j] + Σ_i inputs[i] · weight[i][j]``; weights start in [-1, 1)."""

    def __init__(
        self, in_size: int, out_size: int, rng: random.Random | None = None
    ) -> None:
        super().__init__()
        if in_size < 1 or out_size < 1:
            raise ValueError(
                f"Linear needs positive sizes, got in={in_size} out={out_size}"
            )
        draw = random.random if rng is None else rng.random
        self.in_size = in_size
        self.out_size = out_size
        self.weights: list[list[Parameter]] = [
            [
                self.add_parameter(f"weight_{i}_{j}", Scalar(2.0 * (draw() - 0.5)))
                for j in range(out_size)
            ]
            for i in range(in_size)
        ]
        self.bias: list[Parameter] = [
            self.add_parameter(f"bias_{j}", Scalar(2.0 * (draw() - 0.5)))
            for j in range(out_size)
        ]

    def forward(self, inputs: Sequence[ScalarLike]) -> list[Scalar]:
        """Map ``in_size`` inputs to ``out_size`` outputs."""
        if len(inputs) != self.in_size:
            raise ValueError(
                f"Linear expected {self.in_size} inputs, got {len(inputs)}"
            )
        weights = self.weights
        outputs = []
        for j, bias in enumerate(self.bias):
            y: Scalar = bias.value
            for x, row in zip(inputs, weights, strict=True):
                y = y + x * row[j].value
            outputs.append(y)
        return outputs


class Network(Module):
    """Two inputs → ``hidden`` → ``hidden`` → one probability (ReLU, ReLU, sigmoid)."""

    def __init__(self, hidden: int, rng: random.Random | None = None) -> None:
        super().__init__()
        self.hidden = hidden
        self.layer1 = Linear(2, hidden, rng)
        self.layer2 = Linear(hidden, hidden, rng)
        self.layer3 = Linear(hidden, 1, rng)

    def hidden_activations(self, x: Sequence[ScalarLike]) -> list[list[Scalar]]:
        """The pre-ReLU values of both hidden layers (for pictures of the network)."""
        pre1 = self.layer1.forward(x)
        pre2 = self.layer2.forward([h.relu() for h in pre1])
        return [pre1, pre2]

    def forward(self, x: Sequence[ScalarLike]) -> Scalar:
        """The probability of class 1 for the point ``x = (x1, x2)``."""
        h = [v.relu() for v in self.layer1.forward(x)]
        h = [v.relu() for v in self.layer2.forward(h)]
        return self.layer3.forward(h)[0].sigmoid()
