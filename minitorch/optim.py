"""Optimizers: turn the gradients on a Module's parameters into updated values.

Plain SGD follows the course exactly (Scalars through ``derivative``, Tensors through
``grad``). Momentum and Adam keep per-parameter state as numpy arrays and work on any
value with ``to_numpy()`` / ``from_numpy()`` (Scalar and Tensor both have them).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt

from .module import Parameter
from .scalar import Scalar

Array = npt.NDArray[np.float64]


class Optimizer:
    """Holds the parameters to update."""

    def __init__(self, parameters: Sequence[Parameter]) -> None:
        self.parameters = parameters

    def zero_grad(self) -> None:
        """Forget every stored gradient (call before each backward pass)."""
        for p in self.parameters:
            value = p.value
            if value is None:
                continue
            if hasattr(value, "derivative"):
                value.derivative = None
            if hasattr(value, "grad"):
                value.grad = None

    def step(self) -> None:
        """Update every parameter from its gradient."""
        raise NotImplementedError


def _gradient(value: Any) -> Array | None:
    """The gradient of a Scalar (``derivative``) or Tensor (``grad``) as an array."""
    if value is None:
        return None
    d = getattr(value, "derivative", None)
    if d is not None:
        return np.asarray(d, dtype=np.float64)
    g = getattr(value, "grad", None)
    if g is not None:
        return np.asarray(g.to_numpy(), dtype=np.float64)
    return None


class SGD(Optimizer):
    """Stochastic gradient descent, optionally with (heavy-ball) momentum.

    ``velocity = momentum * velocity + grad``; ``value -= lr * velocity``.
    With ``momentum=0`` this is the course's plain update.
    """

    def __init__(
        self, parameters: Sequence[Parameter], lr: float = 1.0, momentum: float = 0.0
    ) -> None:
        super().__init__(parameters)
        if lr <= 0 or not np.isfinite(lr):
            raise ValueError(f"learning rate must be positive and finite, got {lr}")
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), got {momentum}")
        self.lr = lr
        self.momentum = momentum
        self._velocity: dict[int, Array] = {}

    def step(self) -> None:
        """Move every parameter against its gradient."""
        if self.momentum:
            self._momentum_step()
            return
        for p in self.parameters:
            value = p.value
            if value is None:
                continue
            if getattr(value, "derivative", None) is not None:
                p.update(Scalar(value.data - self.lr * value.derivative))
            elif getattr(value, "grad", None) is not None:
                p.update(value - self.lr * value.grad)

    def _momentum_step(self) -> None:
        for i, p in enumerate(self.parameters):
            grad = _gradient(p.value)
            if grad is None:
                continue
            v = self._velocity.get(i)
            v = grad if v is None else self.momentum * v + grad
            self._velocity[i] = v
            p.update(p.value.from_numpy(p.value.to_numpy() - self.lr * v))


class Adam(Optimizer):
    """Adam: per-coordinate steps scaled by running moments of the gradient."""

    def __init__(
        self,
        parameters: Sequence[Parameter],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(parameters)
        if lr <= 0 or not np.isfinite(lr):
            raise ValueError(f"learning rate must be positive and finite, got {lr}")
        if not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"betas must be in [0, 1), got {betas}")
        self.lr = lr
        self.betas = betas
        self.eps = eps
        self._t = 0
        self._m: dict[int, Array] = {}
        self._v: dict[int, Array] = {}

    def step(self) -> None:
        """Update every parameter with the bias-corrected Adam step."""
        self._t += 1
        b1, b2 = self.betas
        for i, p in enumerate(self.parameters):
            grad = _gradient(p.value)
            if grad is None:
                continue
            m = b1 * self._m.get(i, np.zeros_like(grad)) + (1 - b1) * grad
            v = b2 * self._v.get(i, np.zeros_like(grad)) + (1 - b2) * grad * grad
            self._m[i], self._v[i] = m, v
            m_hat = m / (1 - b1**self._t)
            v_hat = v / (1 - b2**self._t)
            step = self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
            p.update(p.value.from_numpy(p.value.to_numpy() - step))
