"""A small convolutional network for 8×8 digits, built from the library's layers.

conv 3×3 → ReLU → conv 3×3 → ReLU → average-pool 2×2 → flatten → dropout → linear →
log-probabilities of the 10 classes, trained on ``nll_loss``. Average pooling, not
max: max-pooling ties (blank image regions give many equal values) would get the
gradient once per tied cell, which is not the derivative when the tied values move
together.
"""

from __future__ import annotations

import math
import random

from ..layers import Conv2d
from ..module import Module
from ..nn import avgpool2d, dropout, logsoftmax
from ..tensor import Tensor
from ..tensor_layers import Linear
from ..tensor_ops import TensorBackend
from .data import CLASSES, SIDE

KERNEL = (3, 3)
POOL = (2, 2)


class DigitsCNN(Module):
    """Maps images ``(batch, 1, 8, 8)`` to log-probabilities ``(batch, 10)``.

    Dropout is inverted (kept values scaled by ``1 / (1 - rate)``) so evaluation
    needs no rescaling; it only acts in ``train()`` mode.
    """

    def __init__(
        self,
        channels: tuple[int, int] = (8, 16),
        dropout_rate: float = 0.25,
        rng: random.Random | None = None,
        backend: TensorBackend | None = None,
    ) -> None:
        super().__init__()
        if not 0.0 <= dropout_rate < 1.0:
            raise ValueError(f"dropout rate must be in [0, 1), got {dropout_rate}")
        rng = rng or random.Random(0)
        extra = {} if backend is None else {"backend": backend}
        first, second = channels
        self.conv1 = Conv2d(1, first, KERNEL, rng, **extra)
        self.conv2 = Conv2d(first, second, KERNEL, rng, **extra)
        self.features = second * (SIDE // POOL[0]) * (SIDE // POOL[1])
        self.out = Linear(self.features, CLASSES, rng, **extra)
        # Linear draws from [-1, 1); scale to ±1/√fan_in like the conv layers, so
        # the first logits are small and training starts near uniform guesses.
        bound = 1.0 / math.sqrt(self.features)
        for p in self.out.parameters():
            p.update(p.value.from_numpy(p.value.to_numpy() * bound))
        self.dropout_rate = dropout_rate
        self.dropout_rng = random.Random(rng.random())

    def forward(self, x: Tensor) -> Tensor:
        """Log-probabilities ``(batch, 10)`` of each image's class."""
        if x.dims != 4 or x.shape[1:] != (1, SIDE, SIDE):
            raise ValueError(
                f"DigitsCNN expects images of shape (batch, 1, {SIDE}, {SIDE}), "
                f"got {x.shape}"
            )
        batch = x.shape[0]
        h = self.conv1(x).relu()
        h = self.conv2(h).relu()
        h = avgpool2d(h, POOL).view(batch, self.features)
        if self.training and self.dropout_rate > 0:
            kept = dropout(h, self.dropout_rate, rng=self.dropout_rng)
            h = kept * (1.0 / (1.0 - self.dropout_rate))
        return logsoftmax(self.out(h), 1)


def nll_loss(log_probs: Tensor, targets: Tensor) -> Tensor:
    """Mean negative log-probability of the true class (``targets`` one-hot)."""
    batch = log_probs.shape[0]
    picked: Tensor = (log_probs * targets).sum()
    return picked * (-1.0 / batch)
